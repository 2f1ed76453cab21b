/**
 * The images a practical trial uses: the data set (loaded once per process), its seeded training subset, the
 * benign inputs that span the subspace, and the test images, as [N, H, W, C] float tensors in [0, 1].
 *
 * Pixels are not centred: background pixels stay exactly 0, so patches that see only background give the same
 * features for every input. That is a property of real images the purification has to live with (docs/practical.md).
 */
import * as tf from '@tensorflow/tfjs';
import { loadDataset, seededPermutation, stratifiedSample, subset, toFloat, type ImageSet, type ImageSplit } from '../data/index.ts';
import type { PracticalDataConfig } from './schema.ts';

const cache = new Map<string, Promise<ImageSplit>>();

/** The data set named by the config, loaded once per process (worker) and kept. */
export function loadSplit(data: PracticalDataConfig): Promise<ImageSplit> {
  const key = `${data.dataset}|${data.dir}|${data.download}`;
  if (!cache.has(key)) {
    const loading = loadDataset(data.dataset, { dir: data.dir || undefined, download: data.download });
    loading.catch(() => cache.delete(key)); // a failed load (missing files) is retried by the next trial
    cache.set(key, loading);
  }
  return cache.get(key)!;
}

/** Images of one trial: labelled training set, benign subspace inputs, and the test set. */
export interface TrialImages {
  readonly train: ImageSet;
  /** The inputs that span the subspace (no labels are used from them). */
  readonly benign: ImageSet;
  readonly test: ImageSet;
}

/**
 * A seeded permutation of the training split (of its first `pool` images: the part a pretrained backbone never
 * saw): its first `trainSamples` images train the network; the benign inputs are a prefix of the same order, so
 * they are the training inputs, a subset of them, or a superset.
 */
export function selectImages(split: ImageSplit, data: PracticalDataConfig, seed: number, pool = split.train.count): TrialImages {
  const benignCount = data.subspaceInputs || data.trainSamples;
  const needed = Math.max(data.trainSamples, benignCount);
  if (needed > pool) {
    const where = pool === split.train.count ? '' : ` outside the backbone's public part (its first ${pool})`;
    throw new RangeError(`${split.train.name} has ${pool} images${where}; ${needed} were asked for`);
  }
  const order = seededPermutation(pool, `${seed}:train-order`).subarray(0, needed);
  const testCount = data.testSamples || split.test.count;
  if (testCount > split.test.count) throw new RangeError(`${split.test.name} has ${split.test.count} images; data.testSamples is ${testCount}`);
  return {
    train: subset(split.train, order.subarray(0, data.trainSamples), `${split.train.name}-train${data.trainSamples}`),
    benign: subset(split.train, order.subarray(0, benignCount), `${split.train.name}-benign${benignCount}`),
    // The test subset does not depend on the trial: every trial is scored on the same images.
    test: testCount === split.test.count ? split.test : stratifiedSample(split.test, testCount, 'test-subset'),
  };
}

/** [N, H, W, C] float tensor of an image set, scaled to [0, 1]. */
export function imageTensor(set: ImageSet): tf.Tensor4D {
  return tf.tensor4d(toFloat(set), [set.count, set.height, set.width, set.channels]);
}

export function labelArray(set: ImageSet): Int32Array {
  return Int32Array.from(set.labels);
}
