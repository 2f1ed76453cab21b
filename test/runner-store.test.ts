import { appendFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { outputLayout } from '../src/core/output.ts';
import { OutputConflict, prepareOutput } from '../src/runner/output.ts';
import { Progress } from '../src/runner/progress.ts';
import { TrialStore } from '../src/runner/store.ts';
import { expandAxis } from '../src/plan/grid.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'purify-store-'));

describe('trials.jsonl store', () => {
  it('keeps appended trials across reopening and never stores a key twice', () => {
    const path = join(tmp(), 'trials.jsonl');
    const store = TrialStore.open<{ key: string; v: number }>(path);
    store.append([{ key: 'a', v: 1 }, { key: 'b', v: 2 }]);
    store.append([{ key: 'b', v: 99 }, { key: 'c', v: 3 }]);
    const again = TrialStore.open<{ key: string; v: number }>(path);
    expect(again.size).toBe(3);
    expect(again.records().find((r) => r.key === 'b')).toMatchObject({ v: 2 });
    expect(readFileSync(path, 'utf8').trim().split('\n')).toHaveLength(3);
  });

  it('repairs a torn final line (kill -9 during a write) and keeps every complete line', () => {
    const path = join(tmp(), 'trials.jsonl');
    TrialStore.open<{ key: string }>(path).append([{ key: 'a' }, { key: 'b' }]);
    appendFileSync(path, '{"key":"c","rel_err');
    const store = TrialStore.open<{ key: string }>(path);
    expect(store.repairedBytes).toBe('{"key":"c","rel_err'.length);
    expect(store.records().map((r) => r.key)).toEqual(['a', 'b']);
    expect(readFileSync(path, 'utf8').endsWith('}\n')).toBe(true);
    store.append([{ key: 'c' }]);
    expect(TrialStore.open<{ key: string }>(path).records().map((r) => r.key)).toEqual(['a', 'b', 'c']);
  });

  it('names every damaged middle line (corrupt, null, key-only) and never takes one as done', () => {
    const path = join(tmp(), 'trials.jsonl');
    writeFileSync(path, '{"key":"a","v":1}\nnot json\nnull\n{"key":"b"}\n{"key":"c","v":3}\n');
    const store = TrialStore.open<{ key: string }>(path, (value) => (typeof (value as { v?: unknown }).v === 'number' ? null : 'v: missing'));
    expect(store.rejected.map((r) => [r.line, r.reason])).toEqual([
      [2, 'not valid JSON'],
      [3, 'expected a JSON object, got null'],
      [4, 'v: missing'],
    ]);
    expect(store.records().map((r) => r.key)).toEqual(['a', 'c']);
    expect(store.has('b')).toBe(false);
  });

  it('quarantine moves the rejected lines (as they were) to another file and rewrites the store without them', () => {
    const dir = tmp();
    const path = join(dir, 'trials.jsonl');
    writeFileSync(path, '{"key":"a"}\n{"oops\n{"key":"z"}\n');
    const store = TrialStore.open<{ key: string }>(path);
    expect(store.quarantine(join(dir, 'rejected.jsonl'), (r) => (r.key === 'z' ? 'foreign' : null))).toBe(2);
    expect(readFileSync(path, 'utf8')).toBe('{"key":"a"}\n');
    const moved = readFileSync(join(dir, 'rejected.jsonl'), 'utf8').trim().split('\n');
    expect(moved).toHaveLength(4);
    expect(JSON.parse(moved[0])).toMatchObject({ line: 2, reason: 'not valid JSON' });
    expect(moved[1]).toBe('{"oops');
    expect(JSON.parse(moved[2])).toMatchObject({ reason: 'foreign' });
    expect(TrialStore.open<{ key: string }>(path).rejected).toEqual([]);
  });

  it('finalize writes trials in plan order, whatever order they finished in', () => {
    const path = join(tmp(), 'trials.jsonl');
    const store = TrialStore.open<{ key: string }>(path);
    store.append([{ key: 'c' }, { key: 'a' }]);
    store.append([{ key: 'b' }]);
    store.finalize(['a', 'b', 'c']);
    expect(readFileSync(path, 'utf8')).toBe('{"key":"a"}\n{"key":"b"}\n{"key":"c"}\n');
  });
});

describe('output folder', () => {
  it('accepts the same config (resume), refuses another one, and --fresh clears it', () => {
    const out = outputLayout(join(tmp(), 'run'));
    expect(prepareOutput(out, { a: 1, workers: 1 }, { fresh: false })).toEqual({ resumed: false });
    TrialStore.open<{ key: string }>(out.trials).append([{ key: 'x' }]);
    expect(prepareOutput(out, { a: 1, workers: 2 }, { fresh: false })).toEqual({ resumed: true });
    expect(() => prepareOutput(out, { a: 2, workers: 1 }, { fresh: false })).toThrow(OutputConflict);
    expect(() => prepareOutput(out, { a: 2, workers: 1 }, { fresh: false })).toThrow(/differs at a.*--fresh/);
    prepareOutput(out, { a: 2, trials: 3 }, { fresh: true });
    // More or fewer trials is the same config: the folder keeps the larger count
    expect(prepareOutput(out, { a: 2, trials: 5 }, { fresh: false })).toMatchObject({ resumed: false });
    prepareOutput(out, { a: 2, trials: 2 }, { fresh: false });
    expect(JSON.parse(readFileSync(out.config, 'utf8')).trials).toBe(5);
    prepareOutput(out, { a: 2 }, { fresh: true });
    expect(existsSync(out.trials)).toBe(false);
    expect(JSON.parse(readFileSync(out.config, 'utf8'))).toEqual({ a: 2 });
  });
});

describe('progress', () => {
  it('prints plain lines with counts and an ETA when not on a terminal', () => {
    const lines: string[] = [];
    let now = 0;
    const p = new Progress('exp', 100, 20, { isTTY: false, write: (t) => lines.push(t) }, () => now);
    now = 10_000;
    p.advance(40);
    expect(lines.at(-1)).toMatch(/^exp\s+60%\s+60\/100 trials\s+0:10 elapsed\s+ETA 0:10\n$/);
    p.advance(40);
    p.finish();
    expect(lines.at(-1)).toContain('100/100 trials');
  });

  it('redraws one line with a bar on a terminal', () => {
    const out: string[] = [];
    const p = new Progress('exp', 10, 0, { isTTY: true, write: (t) => out.push(t) }, () => 0);
    p.advance(5);
    expect(out.at(-1)).toMatch(/^\r.*\[█{12}░{12}\]\s+50%/);
  });
});

describe('grid axes', () => {
  it('expands ranges inclusively without floating-point noise', () => {
    expect(expandAxis({ start: 0, stop: 0.3, step: 0.1 }, false)).toEqual([0, 0.1, 0.2, 0.3]);
    expect(expandAxis({ start: 1, stop: 3, num: 3 }, false)).toEqual([1, 2, 3]);
    expect(expandAxis(7, true)).toEqual([7]);
    expect(expandAxis([], false)).toMatch(/empty list/);
    expect(expandAxis({ start: 0, stop: 1 }, false)).toMatch(/exactly one of step or num/);
    expect(expandAxis({ start: 0, stop: 1, num: 3, scale: 'log' }, false)).toMatch(/start, stop > 0/);
  });
});
