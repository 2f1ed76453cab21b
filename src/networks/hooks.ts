/**
 * What the practical kinds share of the ExperimentKind protocol: which trials share a trained network (family,
 * instance key), what their solves cost, and the check that their data sets are there before anything runs.
 */
import type { ExperimentKind, Footprint } from '../core/kind.ts';
import type { TrialTask } from '../core/trial.ts';
import { loadDataset } from '../data/index.ts';
import { stableHash } from '../util/canonical.ts';
import { backboneOf, instanceParts } from './instance.ts';
import { featureCount, networkShapes } from './network.ts';
import { DATASET_SHAPE, type NetworkExperimentConfig } from './schema.ts';

export interface NetworkHooks<C extends NetworkExperimentConfig> {
  /** Trials with the same key train the same network (one trial index of one family). */
  key(task: TrialTask<C>): string;
  /**
   * The kind's family (trials of one family share trained networks: all but contamination, purification and
   * solver), cost, memory footprint and preflight (the data sets are there).
   */
  readonly protocol: Required<Pick<ExperimentKind<C>, 'family' | 'cost' | 'footprint' | 'preflight'>>;
}

/** The hooks of a kind whose networks are also fixed by `extra` of its config (the backdoor kind's attack). */
export function networkHooks<C extends NetworkExperimentConfig>(extra: (config: C) => Readonly<Record<string, unknown>> = () => ({})): NetworkHooks<C> {
  return {
    key: (task) => stableHash(instanceParts(task, extra(task.config))),
    protocol: {
      family(task) {
        const { trial: _trial, ...parts } = instanceParts(task, extra(task.config));
        return stableHash(parts);
      },
      cost,
      footprint,
      preflight,
    },
  };
}

/** Recovered coordinates × subspace inputs: what the solvers' work grows with. */
function cost({ config }: TrialTask<NetworkExperimentConfig>): number {
  const { data } = config;
  const n = data.subspaceInputs || data.trainSamples;
  return networkShapes(config).reduce((s, l) => s + l.outputs * (l.inputs + 1) * n, 0);
}

/** A whole data set as loaded (train + test split, one byte per pixel): MNIST 70,000 images, CIFAR-10 60,000. */
const LOADED_IMAGES = 70_000;
/** The test split's size, when `testSamples: 0` asks for all of it. */
const TEST_SPLIT = 10_000;

/** Peak arrays of one trial: the widest layer's subspace, the loaded data set, the images used as floats with their features, and the dense layers (θ0, update, contaminated, purified). */
function footprint(config: NetworkExperimentConfig): Footprint {
  const { data, solver } = config;
  const shape = DATASET_SHAPE[data.dataset];
  const n = data.subspaceInputs || data.trainSamples;
  const layers = networkShapes(config);
  const pixels = shape.side ** 2 * shape.channels;
  const used = data.trainSamples + n + (data.testSamples || TEST_SPLIT);
  const weights = layers.reduce((s, l) => s + l.outputs * (l.inputs + 1), 0);
  return {
    subspace: { m: Math.max(...layers.map((l) => l.inputs + 1)), n },
    solvers: [solver.name],
    otherBytes: LOADED_IMAGES * pixels + 4 * (used * (pixels + featureCount(config)) + 4 * weights),
  };
}

/**
 * Load every data set the cells name once, in the main thread, before anything runs: a missing data set stops
 * the run with DataUnavailableError (what to download, where to put it) instead of failing every trial, and a
 * CIFAR-10 download (data.download) happens once rather than once per worker. Likewise every backbone the cells
 * name is loaded from its checkpoint, or pretrained and saved now (with a progress bar), so that workers only
 * ever load it.
 */
async function preflight(configs: readonly NetworkExperimentConfig[]): Promise<void> {
  const seen = new Set<string>();
  for (const { data } of configs) {
    const { dataset, dir, download } = data;
    const key = `${dataset}|${dir}|${download}`;
    if (seen.has(key)) continue;
    seen.add(key);
    await loadDataset(dataset, { dir: dir || undefined, download });
  }
  const backbones = new Map(configs.filter((c) => c.backbone).map((c) => [stableHash({ backbone: c.backbone, dataset: c.data.dataset }), c]));
  for (const config of backbones.values()) await backboneOf(config);
}
