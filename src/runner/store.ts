/**
 * trials.jsonl: one JSON line per finished trial, appended as trials finish, so an interrupted run keeps
 * everything it finished. Reopening repairs a torn last line (a `kill -9` in the middle of a write) and
 * returns the finished trials by key, so a resumed run neither loses nor repeats a trial. Every line read back
 * is checked (the caller says how: src/runner/records.ts); a line that fails is never taken as a finished trial.
 */
import { appendFileSync, closeSync, existsSync, ftruncateSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import type { StoredTrial } from '../core/trial.ts';
import { writeAtomic } from '../util/atomic.ts';

/** What is wrong with a parsed line, or null when it is a record the caller accepts. */
export type RecordCheck = (value: unknown) => string | null;

/** A stored line that is not a usable record: where it was, what it held and what is wrong with it. */
export interface RejectedLine {
  readonly line: number;
  readonly text: string;
  readonly reason: string;
}

/** The least a line must be: an object with a string `key` (what the caller's check builds on). */
export const hasKey: RecordCheck = (value) =>
  typeof value !== 'object' || value === null || Array.isArray(value) ? `expected a JSON object, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}` : typeof (value as { key?: unknown }).key === 'string' ? null : 'has no trial key';

/** The finished trials of one output folder, of one kind's record type R (read back as that kind wrote them). */
export class TrialStore<R extends { readonly key: string } = StoredTrial> {
  private constructor(
    readonly path: string,
    private readonly done: Map<string, R>,
    /** Bytes cut off the end on opening (a torn line), for the log. */
    readonly repairedBytes: number,
    private bad: readonly RejectedLine[],
  ) {}

  /** Lines that are not valid records, in file order (their trials are not done). */
  get rejected(): readonly RejectedLine[] {
    return this.bad;
  }

  /**
   * Open (or create) the store; a torn final line is cut off, every other line is checked with `check`. With
   * `readOnly` the file is neither created nor repaired (another process may be appending to it: a shard being
   * merged): a torn final line is only skipped.
   */
  static open<R extends { readonly key: string } = StoredTrial>(
    path: string,
    check: RecordCheck = hasKey,
    options: { readonly readOnly?: boolean } = {},
  ): TrialStore<R> {
    const done = new Map<string, R>();
    if (!existsSync(path)) {
      if (!options.readOnly) writeFileSync(path, '');
      return new TrialStore(path, done, 0, []);
    }
    const text = readFileSync(path, 'utf8');
    const complete = text.lastIndexOf('\n') + 1; // everything after the last newline is a torn write
    const rejected: RejectedLine[] = [];
    text
      .slice(0, complete)
      .split('\n')
      .forEach((line, i) => {
        if (line.trim().length === 0) return;
        const reason = problem(line, check);
        if (reason) rejected.push({ line: i + 1, text: line, reason });
        else {
          const record = JSON.parse(line) as R;
          done.set(record.key, record); // a trial written twice keeps its last copy
        }
      });
    const kept = Buffer.byteLength(text.slice(0, complete));
    const repaired = Buffer.byteLength(text) - kept;
    if (repaired > 0 && !options.readOnly) truncate(path, kept);
    return new TrialStore(path, done, repaired, rejected);
  }

  has(key: string): boolean {
    return this.done.has(key);
  }

  get size(): number {
    return this.done.size;
  }

  records(): R[] {
    return [...this.done.values()];
  }

  /** Append finished trials in one write: either whole lines land or the tail is torn and repaired on reopen. */
  append(records: readonly R[]): void {
    const fresh = records.filter((r) => !this.done.has(r.key));
    if (fresh.length === 0) return;
    appendFileSync(this.path, fresh.map((r) => JSON.stringify(r) + '\n').join(''));
    for (const r of fresh) this.done.set(r.key, r);
  }

  /**
   * Move the rejected lines, and the records `drop` picks, to `to` (appended, each line as it was, after a line
   * saying why), then rewrite this file without them. Returns how many lines moved.
   */
  quarantine(to: string, drop: (record: R) => string | null = () => null): number {
    const moved = [...this.rejected];
    for (const record of this.done.values()) {
      const reason = drop(record);
      if (reason) moved.push({ line: 0, text: JSON.stringify(record), reason });
    }
    if (moved.length === 0) return 0;
    appendFileSync(to, moved.map((m) => JSON.stringify({ rejected_at: new Date().toISOString(), from: this.path, line: m.line || null, reason: m.reason }) + '\n' + m.text + '\n').join(''));
    for (const m of moved) if (m.line === 0) this.done.delete(JSON.parse(m.text).key);
    this.bad = [];
    this.rewrite([...this.done.values()]);
    return moved.length;
  }

  /**
   * Rewrite the file in plan order (atomically: temp file + rename), so the same config gives the same file
   * whatever order trials finished in. Trials not in `order` keep their place at the end.
   */
  finalize(order: readonly string[]): void {
    const rank = new Map(order.map((key, i) => [key, i]));
    this.rewrite(this.records().sort((a, b) => (rank.get(a.key) ?? Infinity) - (rank.get(b.key) ?? Infinity)));
  }

  private rewrite(records: readonly R[]): void {
    if (this.rejected.length) throw new Error(`${this.path}: refusing to rewrite a file with rejected lines (they would be lost)`);
    writeAtomic(this.path, records.map((r) => JSON.stringify(r) + '\n').join(''));
    this.done.clear();
    for (const r of records) this.done.set(r.key, r);
  }
}

function problem(line: string, check: RecordCheck): string | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return 'not valid JSON';
  }
  return hasKey(value) ?? check(value);
}

function truncate(path: string, length: number): void {
  const fd = openSync(path, 'r+');
  try {
    ftruncateSync(fd, length);
  } finally {
    closeSync(fd);
  }
}
