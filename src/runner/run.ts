/**
 * Running an experiment: resolved config → plan → pending trials (those not already in trials.jsonl) →
 * work units on the worker pool → trials.jsonl → summary.csv and figures. Resumable at any point.
 */
import { availableParallelism } from 'node:os';
import type { ExperimentConfig } from '../config/kinds.ts';
import type { ResolvedExperiment } from '../config/resolve.ts';
import { buildPlan } from '../plan/plan.ts';
import { PIPELINES } from '../pipeline/index.ts';
import { toTask } from '../pipeline/task.ts';
import { writeReport, type ReportFiles } from '../report/report.ts';
import { activeBackend, useBackend } from '../tensor/backend.ts';
import { gitState, machine, packageVersions, type Manifest } from './manifest.ts';
import { outputLayout, prepareOutput, type OutputLayout } from './output.ts';
import { runUnits } from './pool.ts';
import { Progress, type ProgressSink } from './progress.ts';
import { TrialStore, writeAtomic } from './store.ts';
import { makeUnits } from './units.ts';

export interface RunOptions {
  readonly outDir: string;
  readonly fresh: boolean;
  /** Project root (for the manifest's git commit and package versions). */
  readonly root: string;
  readonly command: string;
  readonly log?: (line: string) => void;
  readonly progress?: ProgressSink;
}

export interface RunOutcome {
  readonly out: OutputLayout;
  readonly planned: number;
  readonly ran: number;
  readonly resumedFrom: number;
  readonly report: ReportFiles;
}

export async function runExperiment(resolved: ResolvedExperiment, options: RunOptions): Promise<RunOutcome> {
  const { config } = resolved;
  const log = options.log ?? (() => {});
  await useBackend(config.backend); // fail before touching the output folder if the backend is unavailable
  await PIPELINES[config.kind].preflight?.(resolved.cells.map((c) => c.config)); // likewise for missing data
  const out = outputLayout(options.outDir);
  prepareOutput(out, config, { fresh: options.fresh });
  const store = TrialStore.open(out.trials);
  if (store.repairedBytes > 0) log(`repaired ${out.trials}: dropped a torn final line (${store.repairedBytes} bytes)`);

  const plan = buildPlan(resolved.cells, (cell) => cell.config.trials);
  const pending = plan.trials.filter((t) => !store.has(t.key)).map(toTask);
  const resumedFrom = plan.trials.length - pending.length;
  if (resumedFrom > 0) log(`resuming: ${resumedFrom} of ${plan.trials.length} trials already done in ${out.trials}`);

  const workers = config.workers === 0 ? availableParallelism() : config.workers;
  const manifest = startManifest(config, options, plan.trials.length, resumedFrom, workers);
  writeManifest(out, manifest, store.size);

  const units = makeUnits(pending, workers);
  const progress = new Progress(config.name, plan.trials.length, resumedFrom, options.progress);
  await runUnits(units, {
    workers,
    backend: config.backend,
    onResult: (records) => {
      store.append(records);
      progress.advance(records.length);
    },
  });
  progress.finish();

  store.finalize(plan.trials.map((t) => t.key));
  const inPlan = new Set(plan.trials.map((t) => t.key));
  const report = await writeReport(config, store.records().filter((r) => inPlan.has(r.key)), out);
  writeManifest(out, { ...manifest, ended_at: new Date().toISOString() }, store.size);
  return { out, planned: plan.trials.length, ran: pending.length, resumedFrom, report };
}

function startManifest(config: ExperimentConfig, options: RunOptions, planned: number, resumedFrom: number, workers: number): Manifest {
  return {
    experiment: config.name,
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
