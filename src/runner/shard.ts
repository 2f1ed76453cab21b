/**
 * Shards: the plan split into N disjoint parts that separate processes (a SLURM array, a Kubernetes Indexed Job,
 * GNU parallel) run into the same output folder, each into its own trial file, merged afterwards into trials.jsonl.
 *
 * The split is a pure function of the plan, the kind's families and cost estimates, and N: the work units of the
 * whole plan (src/runner/units.ts: trials sharing a trained network stay in one unit) are dealt largest first to
 * the least loaded shard. So every process of an array computes the same split on its own, whatever has run.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { CommonConfig } from '../core/config.ts';
import type { ExperimentKind } from '../core/kind.ts';
import type { OutputLayout } from '../core/output.ts';
import type { StoredTrial, TrialTask } from '../core/trial.ts';
import { InvalidRecords, recordCheck } from './records.ts';
import { hasKey, TrialStore, type RecordCheck } from './store.ts';
import { makeUnits } from './units.ts';

/** Shard `index` (0-based) of `count`. */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

export class ShardError extends Error {
  override name = 'ShardError';
}

/** `I/N` with 0 ≤ I < N, as `--shard` takes it (e.g. `--shard $JOB_COMPLETION_INDEX/8`). */
export function parseShard(text: string, source = '--shard'): Shard {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!match) throw new ShardError(`${source}: expected I/N (shard I of N, counting from 0), got '${text}'`);
  const [index, count] = [Number(match[1]), Number(match[2])];
  if (count < 1) throw new ShardError(`${source}: expected at least one shard, got N = ${count}`);
  if (index >= count) throw new ShardError(`${source}: shard index ${index} is out of range 0..${count - 1}`);
  return { index, count };
}

/**
 * The shard of a SLURM array task (SLURM_ARRAY_TASK_ID of SLURM_ARRAY_TASK_COUNT), or undefined outside an
 * array. Task ids must run 0..N-1 (`--array=0-(N-1)`); an array that resubmits some tasks passes --shard instead.
 */
export function shardFromEnv(env: NodeJS.ProcessEnv): Shard | undefined {
  const id = env.SLURM_ARRAY_TASK_ID;
  const count = env.SLURM_ARRAY_TASK_COUNT;
  if (id === undefined || count === undefined) return undefined;
  const shard = parseShard(`${id}/${count}`, 'SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT');
  return shard;
}

/** The plan's tasks dealt into `count` disjoint shards (each in plan order), balanced by estimated cost. */
export function splitShards<C extends CommonConfig, T extends TrialTask<C>>(tasks: readonly T[], count: number, kind: Pick<ExperimentKind<C>, 'family' | 'cost'>): T[][] {
  const units = makeUnits(tasks, count, kind); // largest first, ties in plan order: deterministic
  const load = new Array<number>(count).fill(0);
  const owner = new Map<string, number>();
  for (const unit of units) {
    const target = load.indexOf(Math.min(...load)); // the least loaded shard, the lowest index on a tie
    load[target] += unit.cost;
    for (const task of unit.tasks) owner.set(task.key, target);
  }
  const shards: T[][] = Array.from({ length: count }, () => []);
  for (const task of tasks) shards[owner.get(task.key)!].push(task);
  return shards;
}

/** Where shard I of N keeps its trials and its manifest inside the output folder. */
export function shardLayout(out: OutputLayout, shard: Shard): OutputLayout {
  const tag = `shard-${shard.index}-of-${shard.count}`;
  return { ...out, trials: join(out.dir, `trials.${tag}.jsonl`), manifest: join(out.dir, `manifest.${tag}.json`) };
}

const SHARD_FILE = /^trials\.shard-(\d+)-of-(\d+)\.jsonl$/;

/** The shard trial files in a folder, by shard. */
export function shardFiles(dir: string): { shard: Shard; path: string }[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((name) => ({ name, match: SHARD_FILE.exec(name) }))
    .filter(({ match }) => match !== null && Number(match[1]) < Number(match[2]))
    .map(({ name, match }) => ({ shard: { index: Number(match![1]), count: Number(match![2]) }, path: join(dir, name) }))
    .sort((a, b) => a.shard.count - b.shard.count || a.shard.index - b.shard.index);
}

/** One shard's progress, read from its trial file. */
export interface ShardProgress {
  readonly shard: Shard;
  readonly planned: number;
  readonly done: number;
  /** False when the shard has not written its trial file yet. */
  readonly started: boolean;
}

/** Progress of every shard of `count` (shards without a file count as not started). */
export function shardProgress<C extends CommonConfig>(out: OutputLayout, tasks: readonly TrialTask<C>[], count: number, kind: Pick<ExperimentKind<C>, 'family' | 'cost'>): ShardProgress[] {
  return splitShards(tasks, count, kind).map((own, index) => {
    const path = shardLayout(out, { index, count }).trials;
    if (!existsSync(path)) return { shard: { index, count }, planned: own.length, done: 0, started: false };
    const store = readStore(path);
    return { shard: { index, count }, planned: own.length, done: own.filter((t) => store.has(t.key)).length, started: true };
  });
}

export interface Merged<R> {
  /** Every finished trial of the plan, in plan order (what trials.jsonl now holds). */
  readonly records: R[];
  readonly planned: number;
  /** The shard counts whose files were found, with each shard's progress. */
  readonly shards: ShardProgress[];
}

/**
 * Merge trials.jsonl and every shard file into trials.jsonl, in plan order (so it equals a single-machine run's
 * file), keeping the shard files. A trial found twice (a shard that was resumed) is kept once.
 */
export function mergeShards<C extends CommonConfig, R extends StoredTrial>(
  out: OutputLayout,
  tasks: readonly TrialTask<C>[],
  kind: Pick<ExperimentKind<C, R>, 'family' | 'cost' | 'record'>,
): Merged<R> {
  const found = shardFiles(out.dir);
  const check = recordCheck(kind.record, tasks); // a bad line in any file is named, never merged as a finished trial
  const store = checked(TrialStore.open<R>(out.trials, check));
  for (const { path } of found) store.append(checked(readStore<R>(path, check)).records());
  const order = tasks.map((t) => t.key);
  store.finalize(order);
  const inPlan = new Set(order);
  const counts = [...new Set(found.map((f) => f.shard.count))];
  return {
    records: store.records().filter((r) => inPlan.has(r.key)),
    planned: tasks.length,
    shards: counts.flatMap((count) => shardProgress(out, tasks, count, kind)),
  };
}

/** Lines that say which shards are missing or unfinished (none when all are done). */
export function describeUnfinished(shards: readonly ShardProgress[]): string[] {
  return shards
    .filter((s) => s.done < s.planned)
    .map((s) => `shard ${s.shard.index}/${s.shard.count}: ${s.started ? `unfinished, ${s.done} of ${s.planned} trials` : `missing (no trials.shard-${s.shard.index}-of-${s.shard.count}.jsonl; ${s.planned} trials)`}`);
}

/** A shard file read without repairing it: another process may be appending to it right now. */
function readStore<R extends { readonly key: string }>(path: string, check: RecordCheck = hasKey): TrialStore<R> {
  return TrialStore.open<R>(path, check, { readOnly: true });
}

function checked<R extends { readonly key: string }>(store: TrialStore<R>): TrialStore<R> {
  if (store.rejected.length) throw new InvalidRecords(store.path, store.rejected);
  return store;
}
