/**
 * Continuing the training of a trained network on a labelled image set (an attacker's poisoned fine-tuning, or a
 * defender's fine-tuning on benign data), and the attack success rate of a network on triggered images.
 */
import * as tf from '@tensorflow/tfjs';
import type { ImageSet } from '../data/index.ts';
import { labelArray } from './images.ts';
import { denseFrom, featuresOf, toHost, trainOptions, type HostLayer, type Instance } from './instance.ts';
import { attackSuccessRate } from './metrics.ts';
import { predict } from './network.ts';
import type { NetworkExperimentConfig } from './schema.ts';
import { trainDense } from './train.ts';

/**
 * Continue training θ0 + `start` on a labelled image set (all dense layers at once) and return the new updates
 * on the host. The schedule is joint: an attacker or a defender fine-tunes the whole head, not layer by layer.
 * `features` replaces the set's features (e.g. with pruned units); by default they are computed here.
 */
export async function fineTune(
  instance: Instance,
  set: ImageSet,
  start: readonly tf.Tensor2D[] | readonly HostLayer[],
  training: NetworkExperimentConfig['training'],
  seed: string,
  label: string,
  features?: tf.Tensor2D,
): Promise<HostLayer[]> {
  const inputs = features ?? featuresOf(set, instance.net);
  const startTensors = isHost(start) ? start.map((h) => tf.tensor2d(Float32Array.from(h.values), [h.rows, h.m])) : [...start];
  try {
    const trained = await trainDense(inputs, labelArray(set), instance.net.dense, startTensors, trainOptions({ ...training, schedule: 'joint' }, seed, label));
    const host = await toHost(trained.updates);
    trained.updates.forEach((t) => t.dispose());
    return host;
  } finally {
    if (!features) inputs.dispose();
    if (isHost(start)) startTensors.forEach((t) => t.dispose());
  }
}

export function isHost(layers: readonly tf.Tensor2D[] | readonly HostLayer[]): layers is readonly HostLayer[] {
  return layers.length > 0 && 'values' in layers[0];
}

/** Attack success rate (percent) of θ0 + `updates` on the features of triggered test images. */
export async function attackSuccess(instance: Instance, triggered: tf.Tensor2D, updates: readonly HostLayer[] | readonly tf.Tensor2D[], target: number): Promise<number> {
  const dense = isHost(updates) ? denseFrom(instance, updates) : instance.net.dense.map((w, l) => w.add(updates[l]) as tf.Tensor2D);
  try {
    return attackSuccessRate(await predict(triggered, dense), instance.testLabels, target);
  } finally {
    dense.forEach((t) => t.dispose());
  }
}
