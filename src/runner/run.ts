/**
 * Running an experiment: resolved experiment → plan → pending trials (those not already in trials.jsonl) →
 * work units on the worker pool → trials.jsonl. Resumable at any point. The runner receives the kind and knows
 * nothing of models; the report (summary.csv, figures) is the caller's next step (src/report/write.ts).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type * as z from 'zod';
import type { CommonConfig } from '../core/config.ts';
import type { ExperimentKind } from '../core/kind.ts';
import { outputLayout, type OutputLayout } from '../core/output.ts';
import type { Cell, StoredTrial, TrialTask } from '../core/trial.ts';
import { buildPlan } from '../plan/plan.ts';
import { activeBackend, useBackend } from '../tensor/backend.ts';
import { gitState, harnessVersion, machine, packageVersions, type Manifest } from './manifest.ts';
import { acquireLock, liveLocks } from './lock.ts';
import { checkSameConfig, OutputConflict, prepareOutput, storedConfig } from './output.ts';
import { runUnits } from './pool.ts';
import { Progress, type ProgressSink } from './progress.ts';
import { writeAtomic } from '../util/atomic.ts';
import { InvalidRecords, membership, recordCheck } from './records.ts';
import { shardLayout, splitShards, type Shard } from './shard.ts';
import { TrialStore } from './store.ts';
import { makeUnits } from './units.ts';

/** What to run: a kind, its resolved config and the cells of its sweeps (src/plan/resolve.ts). */
export interface Experiment<C extends CommonConfig, R extends StoredTrial> {
  readonly kind: Pick<ExperimentKind<C, R>, 'name' | 'record' | 'family' | 'cost' | 'run' | 'preflight'>;
  readonly config: C;
  readonly cells: readonly Cell<C>[];
}

export interface RunOptions {
  readonly outDir: string;
  readonly fresh: boolean;
  /** Move stored lines that are not valid records (and records of no planned cell) to trials.rejected.jsonl. */
  readonly repair?: boolean;
  /** URL of the module exporting the kind registry as `KINDS` (worker threads import it). */
  readonly kinds: string;
  /** Package root holding package.json (for the manifest's version, git commit and package versions). */
  readonly root: string;
  readonly command: string;
  readonly log?: (line: string) => void;
  readonly progress?: ProgressSink;
  /** Run only this shard of the plan, into its own trial file and manifest (src/runner/shard.ts). */
  readonly shard?: Shard;
  /** Told the trials done so far (of those planned) whenever it changes, e.g. for a message on interrupt. */
  readonly onTrials?: (done: number, planned: number) => void;
}

export interface RunOutcome<R extends StoredTrial> {
  readonly out: OutputLayout;
  readonly planned: number;
  readonly ran: number;
  readonly resumedFrom: number;
  /** Every trial of the plan (of the shard, when sharded), in plan order. */
  readonly records: readonly R[];
}

export async function runExperiment<C extends CommonConfig, R extends StoredTrial>(experiment: Experiment<C, R>, options: RunOptions): Promise<RunOutcome<R>> {
  const { kind, config, cells } = experiment;
  const log = options.log ?? (() => {});
  await useBackend(config.backend); // fail before touching the output folder if the backend is unavailable
  await kind.preflight?.(cells.map((c) => c.config)); // likewise for missing data
  const folder = outputLayout(options.outDir);
  // A shard writes only its own trial file and manifest, under its own lock; config.json is shared (every shard
  // writes the same one).
  const out = options.shard ? shardLayout(folder, options.shard) : folder;
  mkdirSync(out.dir, { recursive: true });
  const lock = acquireLock(out.trials, options.command);
  try {
    if (options.fresh) {
      const others = liveLocks(out.dir).filter((held) => held.file !== lock.file);
      if (others.length) throw others[0]; // --fresh never deletes what another process (a shard) is writing
    }
    prepareOutput(folder, config, { fresh: options.fresh });
    return await runLocked(experiment, options, out, log);
  } finally {
    lock.release();
  }
}

async function runLocked<C extends CommonConfig, R extends StoredTrial>(experiment: Experiment<C, R>, options: RunOptions, out: OutputLayout, log: (line: string) => void): Promise<RunOutcome<R>> {
  const { kind, config, cells } = experiment;
  const whole = buildPlan(cells);
  const plan = options.shard ? { ...whole, trials: splitShards(whole.trials, options.shard.count, kind)[options.shard.index] } : whole;
  const store = openStore<R>(kind.record, plan.trials, out, options.repair ?? false, log);
  const pending = plan.trials.filter((t) => !store.has(t.key));
  const resumedFrom = plan.trials.length - pending.length;
  if (resumedFrom > 0) log(`resuming: ${resumedFrom} of ${plan.trials.length} trials already done in ${out.trials}`);

  const workers = config.workers === 0 ? availableParallelism() : config.workers;
  const manifest = startManifest(config, options, plan.trials.length, resumedFrom, workers);
  writeManifest(out, manifest, resumedFrom);

  let done = resumedFrom;
  options.onTrials?.(done, plan.trials.length);
  const progress = new Progress(config.name, plan.trials.length, resumedFrom, options.progress);
  await runUnits(makeUnits(pending, workers, kind), {
    workers,
    backend: config.backend,
    kind,
    kinds: options.kinds,
    onResult: (records) => {
      store.append(records);
      progress.advance(records.length);
      done += records.length;
      options.onTrials?.(done, plan.trials.length);
    },
  });
  progress.finish();

  store.finalize(plan.trials.map((t) => t.key));
  const records = planned(store, plan.trials);
  writeManifest(out, { ...manifest, ended_at: new Date().toISOString() }, records.length); // the plan's trials, not other records kept in the file
  return { out, planned: plan.trials.length, ran: pending.length, resumedFrom, records };
}

/** What a folder holds for a plan, for a report: the plan's finished trials, and counts of everything else. */
export interface StoredResults<R extends StoredTrial> {
  readonly out: OutputLayout;
  /** The plan's finished trials, in plan order. */
  readonly records: readonly R[];
  readonly planned: number;
  /** Planned trials with no record yet. */
  readonly missing: number;
  /** Records of planned cells beyond the plan's trial count (kept; a run with more trials uses them). */
  readonly beyond: number;
  /** Records of no planned cell (never summarised; --repair moves them out). */
  readonly foreign: number;
}

/**
 * Read a folder for a report on `experiment`: its config.json must be this config (up to workers and trials),
 * every stored line must be a valid record, and only the plan's trials are returned. Holds the folder's lock
 * while reading, so a report never reads a file that a run is writing.
 */
export function readResults<C extends CommonConfig, R extends StoredTrial>(
  experiment: Pick<Experiment<C, R>, 'config' | 'cells'> & { readonly kind: Pick<ExperimentKind<C, R>, 'record'> },
  options: { readonly outDir: string; readonly repair?: boolean; readonly command: string; readonly log?: (line: string) => void },
): StoredResults<R> {
  const out = outputLayout(options.outDir);
  if (!existsSync(out.trials)) throw new OutputConflict(`${out.trials} does not exist; run the experiment first`);
  const stored = storedConfig(out);
  if (!stored) throw new OutputConflict(`${out.dir} has no config.json, so its trials cannot be matched to a config; rerun the experiment with --fresh`);
  checkSameConfig(out, stored, experiment.config, `report with the config that produced them (${out.config}), or choose another --out`);
  const lock = acquireLock(out.trials, options.command);
  try {
    const plan = buildPlan(experiment.cells);
    const store = openStore<R>(experiment.kind.record, plan.trials, out, options.repair ?? false, options.log ?? (() => {}));
    const where = membership(plan.trials);
    const all = store.records();
    const records = planned(store, plan.trials);
    if (records.length === 0) throw new OutputConflict(`${out.trials} holds none of the ${plan.trials.length} trials of this plan; run the experiment first`);
    return {
      out,
      records,
      planned: plan.trials.length,
      missing: plan.trials.length - records.length,
      beyond: all.filter((r) => where(r) === 'beyond').length,
      foreign: all.filter((r) => where(r) === 'foreign').length,
    };
  } finally {
    lock.release();
  }
}

/** Open trials.jsonl checking every line; invalid lines stop the run, or with `repair` move to trials.rejected.jsonl. */
function openStore<R extends StoredTrial>(shape: z.ZodType, trials: readonly TrialTask<unknown>[], out: OutputLayout, repair: boolean, log: (line: string) => void): TrialStore<R> {
  const store = TrialStore.open<R>(out.trials, recordCheck(shape, trials));
  if (store.repairedBytes > 0) log(`repaired ${out.trials}: dropped a torn final line (${store.repairedBytes} bytes)`);
  const where = membership(trials);
  const foreign = store.records().filter((r) => where(r) === 'foreign').length;
  if (!repair) {
    if (store.rejected.length) throw new InvalidRecords(out.trials, store.rejected);
    if (foreign) log(`${out.trials}: ${foreign} record(s) belong to no cell of this plan; they are not used (--repair moves them to ${out.rejected})`);
    return store;
  }
  const moved = store.quarantine(out.rejected, (r) => (where(r) === 'foreign' ? 'belongs to no cell of this plan' : null));
  if (moved) log(`repaired ${out.trials}: moved ${moved} line(s) to ${out.rejected}; their trials will be rerun`);
  return store;
}

function planned<R extends StoredTrial>(store: TrialStore<R>, trials: readonly TrialTask<unknown>[]): R[] {
  const byKey = new Map(store.records().map((r) => [r.key, r]));
  return trials.flatMap((t) => byKey.get(t.key) ?? []);
}

function startManifest(config: CommonConfig, options: RunOptions, planned: number, resumedFrom: number, workers: number): Manifest {
  return {
    experiment: config.name,
    version: harnessVersion(options.root),
    command: options.command,
    git: gitState(options.root),
    packages: packageVersions(options.root),
    backend: { requested: config.backend, tfjs: activeBackend().tfjs },
    ...machine(),
    workers,
    trials_planned: planned,
    trials_done: resumedFrom,
    resumed_from: resumedFrom,
    started_at: new Date().toISOString(),
    ended_at: null,
  };
}

function writeManifest(out: OutputLayout, manifest: Manifest, done: number): void {
  writeAtomic(out.manifest, JSON.stringify({ ...manifest, trials_done: done }, null, 2) + '\n');
}
