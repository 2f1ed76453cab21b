/**
 * trials.jsonl: one JSON line per finished trial, appended as trials finish, so an interrupted run keeps
 * everything it finished. Reopening repairs a torn last line (a `kill -9` in the middle of a write) and
 * returns the finished trials by key, so a resumed run neither loses nor repeats a trial.
 */
import { appendFileSync, existsSync, openSync, closeSync, ftruncateSync, readFileSync, renameSync, writeFileSync, fsyncSync } from 'node:fs';
import { hostname } from 'node:os';
import type { StoredTrial } from '../core/trial.ts';

/** The finished trials of one output folder, of one kind's record type R (read back as that kind wrote them). */
export class TrialStore<R extends { readonly key: string } = StoredTrial> {
  private constructor(
    readonly path: string,
    private readonly done: Map<string, R>,
    /** Bytes cut off the end on opening (a torn line), for the log. */
    readonly repairedBytes: number,
  ) {}

  /**
   * Open (or create) the store; a torn final line is cut off, a corrupt line elsewhere is an error. With
   * `readOnly` the file is neither created nor repaired (another process may be appending to it): a torn final
   * line is only skipped.
   */
  static open<R extends { readonly key: string } = StoredTrial>(path: string, options: { readOnly?: boolean } = {}): TrialStore<R> {
    const done = new Map<string, R>();
    if (!existsSync(path)) {
      if (!options.readOnly) writeFileSync(path, '');
      return new TrialStore(path, done, 0);
    }
    const text = readFileSync(path, 'utf8');
    const complete = text.lastIndexOf('\n') + 1; // everything after the last newline is a torn write
    const lines = text.slice(0, complete).split('\n').filter((l) => l.length > 0);
    lines.forEach((line, i) => {
      let record: R;
      try {
        record = JSON.parse(line);
      } catch {
        throw new Error(`${path}: line ${i + 1} is not valid JSON; the file was edited or damaged (move it away or rerun with --fresh)`);
      }
      if (typeof record.key !== 'string') throw new Error(`${path}: line ${i + 1} has no trial key`);
      done.set(record.key, record); // a trial written twice keeps its last copy
    });
    const repaired = Buffer.byteLength(text) - Buffer.byteLength(text.slice(0, complete));
    if (repaired > 0 && !options.readOnly) truncate(path, Buffer.byteLength(text.slice(0, complete)));
    return new TrialStore(path, done, repaired);
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
   * Rewrite the file in plan order (atomically: temp file + rename), so the same config gives the same file
   * whatever order trials finished in. Trials not in `order` (none, normally) keep their place at the end.
   */
  finalize(order: readonly string[]): void {
    const rank = new Map(order.map((key, i) => [key, i]));
    const sorted = this.records().sort((a, b) => (rank.get(a.key) ?? Infinity) - (rank.get(b.key) ?? Infinity));
    writeAtomic(this.path, sorted.map((r) => JSON.stringify(r) + '\n').join(''));
    this.done.clear();
    for (const r of sorted) this.done.set(r.key, r);
  }
}

/** Write a file so that readers see either the old or the new content, never a mix. */
export function writeAtomic(path: string, content: string): void {
  // Host and pid: shards on different nodes of a shared file system may write the same file (config.json) at once.
  const tmp = `${path}.tmp-${hostname()}-${process.pid}`;
  writeFileSync(tmp, content);
  const fd = openSync(tmp, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

function truncate(path: string, length: number): void {
  const fd = openSync(path, 'r+');
  try {
    ftruncateSync(fd, length);
  } finally {
    closeSync(fd);
  }
}
