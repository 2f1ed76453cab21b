/**
 * A trained practical network and what every trial on it shares: θ0, the clean updates, the conv features of
 * the benign and test images, the clean accuracy and the subspace of the first dense layer. Built once per
 * work unit and trial index; trials that differ only in contamination, purification variant or solver reuse it.
 */
import * as tf from '@tensorflow/tfjs';
import type { TrialTask } from '../core/trial.ts';
import { relativeError } from '../recovery/measure.ts';
import type { SolverPool } from '../solvers/pool.ts';
import type { Subspace } from '../solvers/types.ts';
import { deriveSeed, stableHash } from '../util/canonical.ts';
import { groupBy } from '../util/collections.ts';
import { imageTensor, labelArray, loadSplit, selectImages, type TrialImages } from './images.ts';
import { accuracy } from './metrics.ts';
import { backboneSpec, obtainBackbone, publicStart, type Backbone } from './backbone.ts';
import { backboneMap, disposeNetwork, initNetwork, inputsOf, predict, pretrainedHead, type Network } from './network.ts';
import { epochReporter, pretrainReporter } from './progress.ts';
import { layerSubspace, rowProblems } from './purify.ts';
import { DATASET_SHAPE, type NetworkExperimentConfig } from './schema.ts';
import { trainDense, type TrainOptions } from './train.ts';

/** Host copy of one dense layer's values (rows × m, row-major) with its shape. */
export interface HostLayer {
  readonly rows: number;
  readonly m: number;
  readonly values: Float64Array;
}

export interface Instance {
  readonly key: string;
  readonly seed: number;
  readonly images: TrialImages;
  readonly net: Network;
  /** Clean training updates Δ per dense layer (tensors, for evaluation) and on the host (for recovery). */
  readonly updates: tf.Tensor2D[];
  readonly hostUpdates: HostLayer[];
  readonly hostTheta0: HostLayer[];
  /** Conv features of the benign (subspace) inputs and of the test images. */
  readonly benignFeatures: tf.Tensor2D;
  readonly testFeatures: tf.Tensor2D;
  readonly testLabels: Int32Array;
  readonly cleanAcc: number;
  readonly trainAcc: number;
  readonly lossInitial: number;
  readonly lossFinal: number;
  /** Id of the pretrained backbone the features come from (none for the random convolution). */
  readonly backboneId?: string;
  /** A of the first dense layer: the conv features of the benign inputs (shared by every trial on the network). */
  readonly subspace0: Subspace;
  readonly trainMs: number;
}

/**
 * Everything that fixes the trained network, the benign inputs and the test images (not: contamination,
 * purification, solver), plus what a kind adds to that (`extra`: the backdoor kind's attack).
 */
export function instanceParts(task: TrialTask<NetworkExperimentConfig>, extra: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
  const { data, network, training, backbone } = task.config;
  const { dir: _dir, download: _download, ...dataParts } = data;
  // backbone is undefined for the random convolution, and then absent from the hash.
  return { kind: task.config.kind, seed: task.config.seed, trial: task.index, data: dataParts, network, backbone, training, ...extra };
}

/** Runs the trials of each network together (one build and training per network); records come back in task order. */
export async function runPerNetwork<C extends NetworkExperimentConfig, R extends { key: string }>(
  tasks: readonly TrialTask<C>[],
  keyOf: (task: TrialTask<C>) => string,
  runOnNetwork: (group: TrialTask<C>[]) => Promise<R[]>,
): Promise<R[]> {
  const records = new Map<string, R>();
  for (const group of groupBy(tasks, keyOf).values()) {
    for (const record of await runOnNetwork(group)) records.set(record.key, record);
  }
  return tasks.map((t) => records.get(t.key)!);
}

/** What the trials of one network share beyond it (e.g. an attack), freed with it. */
export interface Shared {
  release(): void;
}

/**
 * Build the network of a group of trials and what they share beyond it (`prepare`), run them (`body`), then free
 * both. When building fails, every trial of the group becomes a record that says why (`failed`), not an error.
 */
export async function onNetwork<C extends NetworkExperimentConfig, S extends Shared, R>(
  tasks: readonly TrialTask<C>[],
  key: string,
  prepare: (instance: Instance) => Promise<S>,
  body: (instance: Instance, shared: S) => Promise<R[]>,
  failed: (task: TrialTask<C>, message: string) => R,
): Promise<R[]> {
  let instance: Instance | undefined;
  let shared: S;
  try {
    instance = await buildInstance(tasks[0], key);
    shared = await prepare(instance);
  } catch (err) {
    if (instance) disposeInstance(instance);
    const message = err instanceof Error ? err.message : String(err);
    return tasks.map((t) => failed(t, message));
  }
  try {
    return await body(instance, shared);
  } finally {
    shared.release();
    disposeInstance(instance);
  }
}

/** Nothing shared beyond the network. */
export const NOTHING_SHARED: Shared = { release: () => {} };

/** Seed of the clean network (initialisation, training subset, minibatch order): not of how it is evaluated. */
export function networkSeed(task: TrialTask<NetworkExperimentConfig>): number {
  const { data, network, training, backbone } = task.config;
  return deriveSeed(task.config.seed, { trial: task.index, dataset: data.dataset, trainSamples: data.trainSamples, network, backbone, training });
}

/** Train the network of `task` (its key: the kind's instance key) and compute what its trials share. */
export async function buildInstance(task: TrialTask<NetworkExperimentConfig>, key: string): Promise<Instance> {
  const started = performance.now();
  const { data, network, training } = task.config;
  const seed = networkSeed(task);
  const shape = DATASET_SHAPE[data.dataset];
  const split = await loadSplit(data);
  const backbone = task.config.backbone ? await backboneOf(task.config) : undefined;
  // With a backbone the victim's images come from the part of the training split the backbone never saw.
  const images = selectImages(split, data, seed, task.config.backbone ? publicStart(split.train.count, task.config.backbone) : split.train.count);
  const head = backbone && task.config.backbone?.headInit === 'pretrained' ? pretrainedHead(backbone) : undefined;
  const net = withHead(initNetwork(seed, network, shape, backbone && backboneMap(backbone)), head);
  const owned: tf.Tensor[] = [];
  try {
    const trainFeatures = featuresOf(images.train, net);
    owned.push(trainFeatures);
    const trainLabels = labelArray(images.train);
    const zeros = net.dense.map((w) => tf.zerosLike(w));
    owned.push(...zeros);
    const trained = await trainDense(trainFeatures, trainLabels, net.dense, zeros, trainOptions(training, `${seed}:clean`, `${data.dataset} net #${task.index}`));
    const benignFeatures = featuresOf(images.benign, net);
    const testFeatures = featuresOf(images.test, net);
    const testLabels = labelArray(images.test);
    const dense = (updates: readonly tf.Tensor2D[]) => net.dense.map((w, l) => w.add(updates[l]) as tf.Tensor2D);
    const cleanAcc = await accuracyOf(testFeatures, testLabels, dense(trained.updates));
    const trainAcc = await accuracyOf(trainFeatures, trainLabels, dense(trained.updates));
    const subspace0 = await layerSubspace(benignFeatures, `${key}/L0`);
    return {
      key,
      seed,
      ...(backbone ? { backboneId: backbone.id } : {}),
      images,
      net,
      updates: trained.updates,
      hostUpdates: await toHost(trained.updates),
      hostTheta0: await toHost(net.dense),
      benignFeatures,
      testFeatures,
      testLabels,
      cleanAcc,
      trainAcc,
      lossInitial: trained.lossInitial,
      lossFinal: trained.lossFinal,
      subspace0,
      trainMs: performance.now() - started,
    };
  } catch (err) {
    disposeNetwork(net);
    throw err;
  } finally {
    tf.dispose(owned);
  }
}

/** The network with its (one-layer) head replaced by `head`, e.g. the backbone's pretrained one. */
function withHead(net: Network, head: tf.Tensor2D | undefined): Network {
  if (!head) return net;
  tf.dispose([...net.dense]);
  return { ...net, dense: [head] };
}

/** The pretrained backbone of a config (from memory or its checkpoint; pretrained and saved when absent). */
export async function backboneOf(config: Pick<NetworkExperimentConfig, 'data' | 'backbone'>): Promise<Backbone> {
  if (!config.backbone) throw new RangeError('the config has no backbone');
  const spec = backboneSpec(config.backbone, config.data.dataset);
  return obtainBackbone(spec, await loadSplit(config.data), pretrainReporter(`${config.data.dataset} backbone cnn${spec.blocks.join('-')}`));
}

export function disposeInstance(instance: Instance): void {
  disposeNetwork(instance.net);
  tf.dispose([...instance.updates, instance.benignFeatures, instance.testFeatures]);
}

export function trainOptions(training: NetworkExperimentConfig['training'], seed: string, label: string): TrainOptions {
  return { ...training, seed, onEpoch: epochReporter(label) };
}

/** Conv features of an image set (the image tensor is freed at once). */
export function featuresOf(set: TrialImages['train'], net: Network): tf.Tensor2D {
  const X = imageTensor(set);
  try {
    return net.features.apply(X);
  } finally {
    X.dispose();
  }
}

/** Test accuracy (percent) of the dense layers `dense` (disposed here) on conv features. */
export async function accuracyOf(features: tf.Tensor2D, labels: Int32Array, dense: tf.Tensor2D[]): Promise<number> {
  try {
    return accuracy(await predict(features, dense), labels);
  } finally {
    tf.dispose(dense);
  }
}

/** Dense layers θ0 + Δ as tensors for the first updates.length layers, from host updates. */
export function denseFrom(instance: Instance, updates: readonly HostLayer[] | readonly Float64Array[]): tf.Tensor2D[] {
  return updates.map((u, l) => {
    const w = instance.net.dense[l];
    const values = u instanceof Float64Array ? u : u.values;
    return tf.tidy(() => w.add(tf.tensor2d(Float32Array.from(values), w.shape as [number, number])) as tf.Tensor2D);
  });
}

export async function toHost(layers: readonly tf.Tensor2D[]): Promise<HostLayer[]> {
  return Promise.all(layers.map(async (w) => ({ rows: w.shape[0], m: w.shape[1], values: Float64Array.from(await w.data()) })));
}

/**
 * How far each clean layer update lies outside its subspace, ||Δ − P_A Δ|| / ||Δ|| (least squares): ~1e-7 when
 * training kept it inside (float32), larger when the benign inputs are a strict subset of the training inputs or
 * when joint training moved the inputs of an upper layer.
 */
export async function offSubspace(instance: Instance, updates: readonly Float64Array[], solvers: SolverPool, tag: string): Promise<number[]> {
  const l2 = await solvers.get({ name: 'l2' });
  const out: number[] = [];
  for (let l = 0; l < updates.length; l++) {
    const A = l === 0 ? instance.subspace0 : await upperSubspace(instance, updates, l, `${instance.key}/${tag}/L${l}`);
    const results = await l2.solve(rowProblems(A, updates[l]));
    const projected = new Float64Array(updates[l].length);
    results.forEach((r, j) => projected.set(r.delta, j * A.m));
    out.push(relativeError(projected, updates[l]));
  }
  return out;
}

/** A of dense layer l ≥ 1: the inputs of layer l on the benign inputs, through layers θ0 + updates below it. */
export async function upperSubspace(instance: Instance, updates: readonly Float64Array[], l: number, id: string): Promise<Subspace> {
  const below = denseFrom(instance, updates.slice(0, l));
  try {
    const inputs = inputsOf(instance.benignFeatures, below, l);
    try {
      return await layerSubspace(inputs, id);
    } finally {
      inputs.dispose();
    }
  } finally {
    tf.dispose(below);
  }
}
