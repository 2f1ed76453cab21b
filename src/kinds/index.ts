/**
 * What each experiment kind does with a batch of trials. The runner knows nothing about models or data; it
 * groups trials into work units by `family` (trials of one family share expensive work such as training and
 * are solved as one batch) and hands each unit to `run`.
 */
import type { ExperimentConfig } from '../config/kinds.ts';
import type { SyntheticConfig } from '../config/synthetic-schema.ts';
import type { StoredTrial } from '../runner/store.ts';
import { patchSize } from '../data/synthetic.ts';
import { layerSize } from '../recovery/subspace.ts';
import { stableHash } from '../util/canonical.ts';
import type { SolverPool } from './solver-pool.ts';
import { runSyntheticTrials } from './synthetic.ts';
import { PRACTICAL_PIPELINES } from '../practical/index.ts';
import type { TrialTask } from './task.ts';

export interface PipelineContext {
  readonly solvers: SolverPool;
}

export interface Pipeline {
  /** Trials with the same family share work; a work unit never mixes families. */
  family(task: TrialTask<ExperimentConfig>): string;
  /** Rough relative cost of one trial, for scheduling the largest units first. */
  cost(task: TrialTask<ExperimentConfig>): number;
  run(tasks: readonly TrialTask<ExperimentConfig>[], context: PipelineContext): Promise<StoredTrial[]>;
  /** Optional check in the main thread before anything runs or is written (e.g. that the data set is there); throws to stop. */
  preflight?(configs: readonly ExperimentConfig[]): Promise<void>;
}

const synthetic: Pipeline = {
  family(task) {
    const { contamination, solver, recovery, ...rest } = task.config as SyntheticConfig;
    return stableHash({ ...rest, layer: recovery.layer, subspace: recovery.subspace, sweeps: undefined });
  },
  cost(task) {
    const c = task.config as SyntheticConfig;
    const m = layerSize(c.recovery.layer, c.model.width, patchSize(c.model));
    return m * c.data.samples;
  },
  run: (tasks, context) => runSyntheticTrials(tasks as readonly TrialTask<SyntheticConfig>[], context.solvers) as unknown as Promise<StoredTrial[]>,
};

export const PIPELINES: Record<ExperimentConfig['kind'], Pipeline> = { synthetic, ...PRACTICAL_PIPELINES };

export function pipelineFor(task: TrialTask<ExperimentConfig>): Pipeline {
  return PIPELINES[task.config.kind];
}
