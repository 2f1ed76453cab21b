/**
 * Running an experiment: resolved experiment → plan → pending trials (those not already in trials.jsonl) →
 * work units on the worker pool → trials.jsonl. Resumable at any point. The runner receives the kind and knows
 * nothing of models; the report (summary.csv, figures) is the caller's next step (src/report/write.ts).
 */
import { availableParallelism } from 'node:os';
import type { CommonConfig } from '../core/config.ts';
import type { ExperimentKind } from '../core/kind.ts';
import { outputLayout, type OutputLayout } from '../core/output.ts';
import type { Cell, StoredTrial } from '../core/trial.ts';
import { buildPlan } from '../plan/plan.ts';
import { activeBackend, useBackend } from '../tensor/backend.ts';
import { gitState, harnessVersion, machine, packageVersions, type Manifest } from './manifest.ts';
import { prepareOutput } from './output.ts';
import { runUnits } from './pool.ts';
import { Progress, type ProgressSink } from './progress.ts';
import { TrialStore, writeAtomic } from './store.ts';
import { makeUnits } from './units.ts';

/** What to run: a kind, its resolved config and the cells of its sweeps (src/plan/resolve.ts). */
export interface Experiment<C extends CommonConfig, R extends StoredTrial> {
  readonly kind: Pick<ExperimentKind<C, R>, 'name' | 'family' | 'cost' | 'run' | 'preflight'>;
  readonly config: C;
  readonly cells: readonly Cell<C>[];
}

export interface RunOptions {
  readonly outDir: string;
  readonly fresh: boolean;
  /** URL of the module exporting the kind registry as `KINDS` (worker threads import it). */
  readonly kinds: string;
  /** Package root holding package.json (for the manifest's version, git commit and package versions). */
  readonly root: string;
  readonly command: string;
  readonly log?: (line: string) => void;
  readonly progress?: ProgressSink;
}

export interface RunOutcome<R extends StoredTrial> {
  readonly out: OutputLayout;
  readonly planned: number;
  readonly ran: number;
  readonly resumedFrom: number;
  /** Every trial of the plan, in plan order (also what trials.jsonl now holds). */
  readonly records: readonly R[];
}

export async function runExperiment<C extends CommonConfig, R extends StoredTrial>(experiment: Experiment<C, R>, options: RunOptions): Promise<RunOutcome<R>> {
  const { kind, config, cells } = experiment;
  const log = options.log ?? (() => {});
  await useBackend(config.backend); // fail before touching the output folder if the backend is unavailable
  await kind.preflight?.(cells.map((c) => c.config)); // likewise for missing data
  const out = outputLayout(options.outDir);
  prepareOutput(out, config, { fresh: options.fresh });
  const store = TrialStore.open<R>(out.trials);
  if (store.repairedBytes > 0) log(`repaired ${out.trials}: dropped a torn final line (${store.repairedBytes} bytes)`);

  const plan = buildPlan(cells);
  const pending = plan.trials.filter((t) => !store.has(t.key));
  const resumedFrom = plan.trials.length - pending.length;
  if (resumedFrom > 0) log(`resuming: ${resumedFrom} of ${plan.trials.length} trials already done in ${out.trials}`);

  const workers = config.workers === 0 ? availableParallelism() : config.workers;
  const manifest = startManifest(config, options, plan.trials.length, resumedFrom, workers);
  writeManifest(out, manifest, store.size);

  const progress = new Progress(config.name, plan.trials.length, resumedFrom, options.progress);
  await runUnits(makeUnits(pending, workers, kind), {
    workers,
    backend: config.backend,
    kind,
    kinds: options.kinds,
    onResult: (records) => {
      store.append(records);
      progress.advance(records.length);
    },
  });
  progress.finish();

  store.finalize(plan.trials.map((t) => t.key));
  writeManifest(out, { ...manifest, ended_at: new Date().toISOString() }, store.size);
  const inPlan = new Set(plan.trials.map((t) => t.key));
  return { out, planned: plan.trials.length, ran: pending.length, resumedFrom, records: store.records().filter((r) => inPlan.has(r.key)) };
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
