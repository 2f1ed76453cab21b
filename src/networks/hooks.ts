/**
 * The practical kinds' pipelines (registered in src/pipeline/index.ts): `practical` (sparse contamination of a
 * trained MNIST / CIFAR-10 network, then purification) and `backdoor` (BadNets attack, then purification).
 */
import type { AnyPracticalConfig, BackdoorConfig, PracticalConfig } from '../config/practical-schema.ts';
import { DATASET_SHAPE } from '../config/practical-schema.ts';
import { loadDataset } from '../data/index.ts';
import type { Pipeline } from '../pipeline/index.ts';
import type { TrialTask } from '../pipeline/task.ts';
import type { StoredTrial } from '../runner/store.ts';
import { stableHash } from '../util/canonical.ts';
import { runBackdoorTrials } from './backdoor.ts';
import { instanceParts } from './instance.ts';
import { denseShapes } from './network.ts';
import { runPracticalTrials } from './pipeline.ts';

/** Trials of one family share the trained network: all but contamination, purification and solver. */
function family(task: TrialTask<unknown>): string {
  const { trial: _trial, ...parts } = instanceParts(task as TrialTask<AnyPracticalConfig>);
  return stableHash(parts);
}

/** Recovered coordinates × subspace inputs: what the solvers' work grows with. */
function cost(task: TrialTask<unknown>): number {
  const { data, network } = (task as TrialTask<AnyPracticalConfig>).config;
  const n = data.subspaceInputs || data.trainSamples;
  return denseShapes(network, DATASET_SHAPE[data.dataset]).reduce((s, l) => s + l.outputs * (l.inputs + 1) * n, 0);
}

/**
 * Load every data set the cells name once, in the main thread, before anything runs: a missing data set stops
 * the run with DataUnavailableError (what to download, where to put it) instead of failing every trial, and a
 * CIFAR-10 download (data.download) happens once rather than once per worker.
 */
async function preflight(configs: readonly unknown[]): Promise<void> {
  const seen = new Set<string>();
  for (const config of configs as AnyPracticalConfig[]) {
    const { dataset, dir, download } = config.data;
    const key = `${dataset}|${dir}|${download}`;
    if (seen.has(key)) continue;
    seen.add(key);
    await loadDataset(dataset, { dir: dir || undefined, download });
  }
}

export const PRACTICAL_PIPELINES = {
  practical: {
    family,
    cost,
    preflight,
    run: (tasks, context) => runPracticalTrials(tasks as unknown as TrialTask<PracticalConfig>[], context.solvers) as unknown as Promise<StoredTrial[]>,
  },
  backdoor: {
    family,
    cost,
    preflight,
    run: (tasks, context) => runBackdoorTrials(tasks as unknown as TrialTask<BackdoorConfig>[], context.solvers) as unknown as Promise<StoredTrial[]>,
  },
} satisfies Record<string, Pipeline>;
