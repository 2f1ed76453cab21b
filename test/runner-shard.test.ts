import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { outputLayout } from '../src/core/output.ts';
import { KINDS, KINDS_URL } from '../src/kinds/index.ts';
import { buildPlan } from '../src/plan/plan.ts';
import { resolveExperiment } from '../src/plan/resolve.ts';
import { writeReport } from '../src/report/write.ts';
import { runExperiment } from '../src/runner/run.ts';
import { describeUnfinished, mergeShards, parseShard, shardFiles, shardFromEnv, splitShards } from '../src/runner/shard.ts';
import { makeUnits } from '../src/runner/units.ts';
import { ROOT, resultsWithoutTiming, runConfig, tinyReference } from './helpers/experiment.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'purify-shard-'));
/** summary.csv without its timing column. */
function summaryWithoutTiming(dir: string): string {
  const rows = readFileSync(join(dir, 'summary.csv'), 'utf8').trim().split('\n').map((l) => l.split(','));
  const timing = rows[0].indexOf('median_solve_ms');
  expect(timing).toBeGreaterThan(0);
  return rows.map((r) => r.filter((_, i) => i !== timing).join(',')).join('\n');
}

const quiet = { isTTY: false, write: () => true };

describe('the shard split', () => {
  // The full shipped sweep (thousands of trials, many families of different cost): the split is pure and fast.
  const resolved = resolveExperiment('synthetic-sweep', { root: ROOT, sets: [], trials: 3 }, KINDS);
  const tasks = buildPlan(resolved.cells).trials;
  const kind = resolved.kind;

  it.each([1, 2, 3, 7])('into %i shards is disjoint, covers the plan, keeps plan order and is deterministic', (count) => {
    const shards = splitShards(tasks, count, kind);
    expect(shards).toHaveLength(count);
    const keys = shards.flat().map((t) => t.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.sort()).toEqual(tasks.map((t) => t.key).sort());
    const rank = new Map(tasks.map((t, i) => [t.key, i]));
    for (const shard of shards) expect(shard.map((t) => rank.get(t.key)!)).toEqual(shard.map((t) => rank.get(t.key)!).sort((a, b) => a - b));
    expect(splitShards(tasks, count, kind).map((s) => s.map((t) => t.key))).toEqual(shards.map((s) => s.map((t) => t.key)));
  });

  it('keeps the trials that share a trained network (same family and trial index) in one shard', () => {
    const shards = splitShards(tasks, 5, kind);
    const home = new Map<string, number>();
    shards.forEach((shard, i) =>
      shard.forEach((t) => {
        const network = `${kind.family(t)}#${t.index}`;
        expect(home.get(network) ?? i).toBe(i);
        home.set(network, i);
      }),
    );
    expect(home.size).toBeGreaterThan(5);
  });

  it('balances the estimated cost: no shard exceeds the mean by more than one work unit', () => {
    for (const count of [2, 3, 4, 8]) {
      const loads = splitShards(tasks, count, kind).map((s) => s.reduce((sum, t) => sum + kind.cost(t), 0));
      const mean = loads.reduce((a, b) => a + b, 0) / count;
      const largestUnit = makeUnits(tasks, count, kind)[0].cost;
      expect(Math.max(...loads)).toBeLessThanOrEqual(mean + largestUnit);
      expect(Math.max(...loads) / mean).toBeLessThan(1.1); // many units: the deal is close to even
    }
  });

  it('reads I/N from --shard and from a SLURM array, and rejects bad values with the source named', () => {
    expect(parseShard('2/3')).toEqual({ index: 2, count: 3 });
    expect(() => parseShard('3/3')).toThrow('--shard: shard index 3 is out of range 0..2');
    expect(() => parseShard('1-3')).toThrow("--shard: expected I/N (shard I of N, counting from 0), got '1-3'");
    expect(() => parseShard('0/0')).toThrow('at least one shard');
    expect(shardFromEnv({ SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_COUNT: '4' })).toEqual({ index: 1, count: 4 });
    expect(shardFromEnv({})).toBeUndefined();
    expect(() => shardFromEnv({ SLURM_ARRAY_TASK_ID: '4', SLURM_ARRAY_TASK_COUNT: '4' })).toThrow(/SLURM_ARRAY_TASK_ID\/SLURM_ARRAY_TASK_COUNT: shard index 4/);
  });
});

describe('shards merged', () => {
  let config: string;
  let local: string;

  beforeAll(async () => {
    ({ config, dir: local } = await tinyReference());
  });

  async function runShards(dir: string, count: number, only?: number[]) {
    const resolved = resolveExperiment(config, { root: ROOT, sets: [] }, KINDS);
    for (let index = 0; index < count; index++) {
      if (only && !only.includes(index)) continue;
      await runExperiment(resolved, { outDir: dir, fresh: false, kinds: KINDS_URL, root: ROOT, command: 'test', progress: quiet, shard: { index, count } });
    }
    return resolved;
  }

  it('three shards, merged, equal a local run (trials.jsonl and summary.csv timing aside, figure specs byte for byte)', async () => {
    const dir = join(tmp(), 'sharded');
    const resolved = await runShards(dir, 3);
    expect(shardFiles(dir).map((f) => f.shard)).toEqual([0, 1, 2].map((index) => ({ index, count: 3 })));
    const merged = mergeShards(outputLayout(dir), buildPlan(resolved.cells).trials, resolved.kind);
    expect(merged.records).toHaveLength(12);
    expect(describeUnfinished(merged.shards)).toEqual([]);
    await writeReport(resolved.kind, resolved.config, merged.records, outputLayout(dir));
    expect(resultsWithoutTiming(join(dir, 'trials.jsonl'))).toBe(resultsWithoutTiming(join(local, 'trials.jsonl')));
    expect(summaryWithoutTiming(dir)).toBe(summaryWithoutTiming(local));
    // The figures' vega-lite specs (their data included); the SVGs differ only in vega's per-process id counters.
    const specs = readdirSync(join(local, 'figures')).filter((f) => f.endsWith('.vl.json'));
    expect(specs.length).toBeGreaterThanOrEqual(2);
    for (const file of specs) expect(readFileSync(join(dir, 'figures', file), 'utf8'), file).toBe(readFileSync(join(local, 'figures', file), 'utf8'));
  });

  it('says which shards are missing or unfinished, and a rerun of that shard completes the merge without duplicates', async () => {
    const dir = join(tmp(), 'partial');
    const resolved = await runShards(dir, 3, [0, 2]);
    const tasks = buildPlan(resolved.cells).trials;
    const missing = splitShards(tasks, 3, resolved.kind)[1].length;
    const partial = mergeShards(outputLayout(dir), tasks, resolved.kind);
    expect(partial.records).toHaveLength(12 - missing);
    expect(describeUnfinished(partial.shards)).toEqual([`shard 1/3: missing (no trials.shard-1-of-3.jsonl; ${missing} trials)`]);
    await runShards(dir, 3, [1]);
    await runShards(dir, 3, [0]); // a finished shard rerun runs nothing
    const merged = mergeShards(outputLayout(dir), tasks, resolved.kind);
    expect(describeUnfinished(merged.shards)).toEqual([]);
    expect(resultsWithoutTiming(join(dir, 'trials.jsonl'))).toBe(resultsWithoutTiming(join(local, 'trials.jsonl')));
  });

  it('--fresh clears the shard files too', async () => {
    const dir = join(tmp(), 'fresh');
    await runShards(dir, 2);
    expect(shardFiles(dir)).toHaveLength(2);
    await runConfig(config, dir, [], true);
    expect(shardFiles(dir)).toHaveLength(0);
    rmSync(dir, { recursive: true });
  });
});
