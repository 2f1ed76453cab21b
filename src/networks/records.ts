/** Fields every practical and backdoor trial record starts with (and a summary row identifies its cell by). */
import * as z from 'zod';
import { StoredTrial, type TrialTask } from '../core/trial.ts';
import { solverLabel } from '../solvers/registry.ts';
import type { Instance } from './instance.ts';
import { featureCount, networkShapes } from './network.ts';
import type { NetworkExperimentConfig } from './schema.ts';

export const BaseFields = StoredTrial.extend({
  trial: z.number().int(),
  grid: z.record(z.string(), z.unknown()),
  /** Seed of the trained network. */
  seed: z.number().nullable(),
  dataset: z.string(),
  /** e.g. 'conv4x32-head' or 'conv4x32-512-head' (random convolution), 'cnn32-64-head' (pretrained backbone). */
  network: z.string(),
  /** Id of the pretrained backbone (its checkpoint folder), when the features are a backbone's. */
  backbone: z.string().optional(),
  variant: z.string(),
  solver: z.string(),
  train_samples: z.number(),
  /** n: benign inputs spanning the subspace. */
  subspace_inputs: z.number(),
  /** F: features (of the random convolution or the backbone). */
  features: z.number(),
  /** m of the first dense layer (F + 1): coordinates per recovered row. */
  params: z.number(),
  /** Recovered coordinates over all purified layers. */
  purified_params: z.number(),
});
export type BaseFields = Readonly<z.output<typeof BaseFields>>;

export function networkLabel({ network, backbone }: Pick<NetworkExperimentConfig, 'network' | 'backbone'>): string {
  const features = backbone ? `cnn${backbone.blocks.join('-')}` : `conv${network.kernel}x${network.filters}`;
  return [features, ...network.hidden.map(String), 'head'].join('-');
}

function shapeFields(config: NetworkExperimentConfig) {
  const layers = networkShapes(config);
  return {
    dataset: config.data.dataset,
    network: networkLabel(config),
    variant: config.purification.variant,
    solver: solverLabel(config.solver),
    train_samples: config.data.trainSamples,
    subspace_inputs: config.data.subspaceInputs || config.data.trainSamples,
    features: featureCount(config),
    params: layers[0].inputs + 1,
    purified_params: layers.reduce((s, l) => s + l.outputs * (l.inputs + 1), 0),
  };
}

/** `instance` is the trained network, absent when building it failed (the record then has no seed). */
export function baseFields(task: TrialTask<NetworkExperimentConfig>, instance?: Instance): BaseFields {
  // Field order as before backbones existed (trials.jsonl bytes of random-conv experiments stay the same).
  const { dataset, network, ...shape } = shapeFields(task.config);
  const backbone = instance?.backboneId === undefined ? {} : { backbone: instance.backboneId };
  return { key: task.key, sweep: task.sweep, cell: task.cell, trial: task.index, grid: task.grid, seed: instance?.seed ?? null, dataset, network, ...backbone, ...shape };
}

/** Parts laid end to end (the layers of a network as one parameter vector). */
export function concat<T extends Float64Array | Uint8Array>(parts: readonly T[]): T {
  const total = parts.reduce((s, p) => s + p.length, 0);
  const out = (parts[0] instanceof Uint8Array ? new Uint8Array(total) : new Float64Array(total)) as T;
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** What identifies a cell in both kinds' summary rows. */
export type CellFields = Pick<BaseFields, 'sweep' | 'cell' | 'dataset' | 'network' | 'variant' | 'solver' | 'train_samples' | 'subspace_inputs'>;

/** A cell's identifying fields, taken from its first trial (cells group by these). */
export function cellFields(first: BaseFields): CellFields {
  const { sweep, cell, dataset, network, variant, solver, train_samples, subspace_inputs } = first;
  return { sweep, cell, dataset, network, variant, solver, train_samples, subspace_inputs };
}
