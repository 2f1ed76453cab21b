/**
 * The pretrained backbone of the fine-tuning regime (docs/practical.md §5): a standard CNN
 *
 *     x [H, W, C] → (conv 3×3, padding 1 → ReLU → max-pool 2×2) × B → flatten → (z − μ) / σ:
 *         F = (H / 2^B)² · c_B features h(x)
 *
 * pretrained from its own seed with its own linear head on the *public* part of the training split, then frozen
 * and published (checkpoint.ts) as part of θ0. The victim fine-tunes a fresh dense head on h(x) of its own images,
 * drawn from the rest of the split; while h is frozen every head row's update lies exactly in span{(h(x_s), 1)}.
 *
 * The final standardisation by the mean μ and standard deviation σ of each feature on the pretraining images (a
 * fixed affine map, like a batch norm in inference mode) matters for purification: raw ReLU / max-pool features are
 * non-negative and sparse, so the span of a few inputs' features holds nearly sparse vectors, which an l1
 * projection cannot tell from corruption (docs/practical.md §5 measures it). Standardised features are dense.
 *
 * A backbone is identified by the hash of what trained it (data set and the `backbone:` config keys), cached on
 * disk under that id and in memory per process, so every trial and every later run reuses the same bits.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import type { ImageSet, ImageSplit } from '../data/index.ts';
import { seededPermutation, subset, toFloat } from '../data/index.ts';
import { stableHash } from '../util/canonical.ts';
import { Rng } from '../util/rng.ts';
import { checkpointDir, CHECKPOINT_VERSION, loadCheckpoint, saveCheckpoint, type Checkpoint } from './checkpoint.ts';
import { conv3x3, maxPool2 } from './conv.ts';
import { accuracy } from './metrics.ts';
import type { BackboneConfig, PracticalDataset } from './schema.ts';
import { DATASET_SHAPE } from './schema.ts';

/** What fixes a backbone's bits: the data set it pretrains on and its pretraining keys (not how a victim's head starts). */
export interface BackboneSpec extends Omit<BackboneConfig, 'headInit'> {
  readonly dataset: PracticalDataset;
}

/** The spec of the backbone a config names. */
export function backboneSpec(config: BackboneConfig, dataset: PracticalDataset): BackboneSpec {
  const { headInit: _headInit, ...pretraining } = config;
  return { ...pretraining, dataset };
}

export interface Backbone {
  readonly id: string;
  readonly spec: BackboneSpec;
  /** Conv blocks, bottom up: W [3, 3, C_in, C_out], b [C_out]. */
  readonly blocks: readonly { readonly W: tf.Tensor4D; readonly b: tf.Tensor1D }[];
  /** Per-feature mean and standard deviation on the pretraining images (zero and one when not standardising). */
  readonly scaling: { readonly mean: tf.Tensor1D; readonly std: tf.Tensor1D };
  /** The pretraining head [F, 10] and bias: published with it, not used by the victim (who starts a fresh head). */
  readonly head: { readonly W: tf.Tensor2D; readonly b: tf.Tensor1D };
  /** How the pretraining went (test accuracy of backbone + its head, loss, time, backend). */
  readonly pretraining: Readonly<Record<string, unknown>>;
}

export const BACKBONE_CLASSES = 10;

/**
 * A backbone's id: the hash of its spec and of the images it pretrains on (their pixels and labels), so that a
 * backbone pretrained on other files under the same data set name (a synthetic stand-in, a corrupted download)
 * is never taken for it.
 */
export function backboneId(spec: BackboneSpec, images: ImageSet): string {
  const data = createHash('sha256').update(images.pixels).update(images.labels).digest('hex').slice(0, 16);
  return stableHash({ format: CHECKPOINT_VERSION, ...spec, data });
}

/** F = (side / 2^B)² · c_B. */
export function backboneFeatureCount(config: Pick<BackboneConfig, 'blocks'>, dataset: PracticalDataset): number {
  const side = DATASET_SHAPE[dataset].side / 2 ** config.blocks.length;
  return side * side * config.blocks[config.blocks.length - 1];
}

/** Where the training split is cut: images before it are the victim's, from it on the public (pretraining) part. */
export function publicStart(count: number, config: Pick<BackboneConfig, 'publicShare'>): number {
  return Math.floor(count * (1 - config.publicShare));
}

/** The pretraining images: a seeded subset of the public part of the training split. */
export function publicImages(train: ImageSet, config: Pick<BackboneConfig, 'publicShare' | 'images' | 'seed'>): ImageSet {
  const start = publicStart(train.count, config);
  const pool = train.count - start;
  if (config.images > pool) throw new RangeError(`backbone.images is ${config.images}, but the public part of ${train.name} (its last ${config.publicShare} share) has ${pool} images`);
  const order = seededPermutation(pool, `${config.seed}:public`).subarray(0, config.images);
  return subset(train, Array.from(order, (i) => start + i), `${train.name}-public${config.images}`);
}

/** h(x) for X [N, H, W, C] in [0, 1], in chunks of `chunk` images: [N, F]. */
export function backboneFeatures(X: tf.Tensor4D, backbone: Pick<Backbone, 'blocks' | 'scaling'>, chunk = 500): tf.Tensor2D {
  const { mean, std } = backbone.scaling;
  const features = (x: tf.Tensor4D) => tf.tidy(() => tf.div(tf.sub(forward(x, backbone.blocks), mean), std) as tf.Tensor2D);
  if (X.shape[0] <= chunk) return features(X);
  const parts: tf.Tensor2D[] = [];
  for (let s = 0; s < X.shape[0]; s += chunk) {
    const size = Math.min(chunk, X.shape[0] - s);
    parts.push(tf.tidy(() => features(X.slice([s, 0, 0, 0], [size, -1, -1, -1]))));
  }
  const out = tf.concat(parts, 0);
  tf.dispose(parts);
  return out;
}

function forward(X: tf.Tensor4D, blocks: Backbone['blocks']): tf.Tensor2D {
  let h = X;
  for (const { W, b } of blocks) h = maxPool2(tf.relu(tf.add(conv3x3(h, W), b)));
  return h.reshape([X.shape[0], -1]);
}

// ---------------------------------------------------------------------------------------------------------------
// Pretraining
// ---------------------------------------------------------------------------------------------------------------

export interface PretrainProgress {
  readonly epoch: number;
  readonly epochs: number;
  /** Minibatches done in this epoch, and per epoch. */
  readonly batch: number;
  readonly batches: number;
  /** Mean loss of the minibatches done in this epoch. */
  readonly loss: number;
}

export class PretrainingDiverged extends Error {
  override name = 'PretrainingDiverged';
}

/**
 * Pretrain a backbone on the public part of `split.train`: He-initialised convs and a LeCun-initialised linear
 * head from `spec.seed`, minibatch Adam or SGD with momentum on cross-entropy, minibatch order seeded per epoch.
 * Returns the trained backbone with its test accuracy (backbone + its own head on the whole test split).
 */
export async function pretrainBackbone(spec: BackboneSpec, split: ImageSplit, onProgress?: (p: PretrainProgress) => void): Promise<Backbone> {
  const started = performance.now();
  const set = publicImages(split.train, spec);
  const id = backboneId(spec, set);
  const { channels } = DATASET_SHAPE[spec.dataset];
  const features = backboneFeatureCount(spec, spec.dataset);
  let params = initialParams(spec, channels, features);
  let state = initialState(spec, params);
  const batches = Math.ceil(set.count / spec.batchSize);
  let loss = NaN;
  let t = 0;
  try {
    for (let epoch = 1; epoch <= spec.epochs; epoch++) {
      const order = seededPermutation(set.count, `${spec.seed}:epoch-${epoch}`);
      let sum = 0;
      for (let k = 0; k < batches; k++) {
        const idx = order.subarray(k * spec.batchSize, Math.min(set.count, (k + 1) * spec.batchSize));
        const step = trainStep(params, state, ++t, batchOf(set, idx), spec);
        tf.dispose([...params, ...Object.values(state).flat()]);
        ({ params, state } = step);
        const value = (await step.loss.data())[0];
        step.loss.dispose();
        // NaN/Inf enters here (a too large lr): stop, do not publish a broken backbone.
        if (!Number.isFinite(value)) throw new PretrainingDiverged(`backbone pretraining diverged: loss ${value} in epoch ${epoch} (lower backbone.lr)`);
        sum += value;
        onProgress?.({ epoch, epochs: spec.epochs, batch: k + 1, batches, loss: sum / (k + 1) });
      }
      loss = sum / batches;
    }
    const backbone = { id, ...fromParams(spec, params) };
    const testAccuracy = await evaluate(backbone, split.test);
    return {
      ...backbone,
      scaling: spec.standardize ? await featureScaling(backbone, set) : identityScaling(features),
      pretraining: {
        images: set.count,
        final_loss: loss,
        test_accuracy: testAccuracy,
        test_images: split.test.count,
        backend: tf.getBackend(),
        seconds: Math.round((performance.now() - started) / 100) / 10,
        created_at: new Date().toISOString(),
      },
    };
  } catch (err) {
    tf.dispose(params);
    throw err;
  } finally {
    tf.dispose(Object.values(state).flat());
  }
}

/** [W_1, b_1, …, W_B, b_B, W_head, b_head]. */
function initialParams(spec: BackboneSpec, channels: number, features: number): tf.Tensor[] {
  const params: tf.Tensor[] = [];
  let inputs = channels;
  spec.blocks.forEach((out, i) => {
    const rng = Rng.stream(spec.seed, `backbone-block-${i}`);
    params.push(tf.tensor4d(Float32Array.from(rng.normals(9 * inputs * out, Math.sqrt(2 / (9 * inputs)))), [3, 3, inputs, out]));
    params.push(tf.zeros([out]));
    inputs = out;
  });
  const rng = Rng.stream(spec.seed, 'backbone-head');
  params.push(tf.tensor2d(Float32Array.from(rng.normals(features * BACKBONE_CLASSES, Math.sqrt(1 / features))), [features, BACKBONE_CLASSES]));
  params.push(tf.zeros([BACKBONE_CLASSES]));
  return params;
}

/** Mean and standard deviation of every raw feature over `set` (float64 sums; σ = 1 where a feature is constant). */
async function featureScaling(backbone: Pick<Backbone, 'blocks'>, set: ImageSet, chunk = 500): Promise<Backbone['scaling']> {
  let sum: Float64Array | undefined;
  let squares: Float64Array | undefined;
  for (let s = 0; s < set.count; s += chunk) {
    const part = subset(set, Array.from({ length: Math.min(chunk, set.count - s) }, (_, i) => s + i));
    const h = tf.tidy(() => forward(tf.tensor4d(toFloat(part), [part.count, part.height, part.width, part.channels]), backbone.blocks));
    const [count, F] = h.shape;
    const values = await h.data();
    h.dispose();
    sum ??= new Float64Array(F);
    squares ??= new Float64Array(F);
    for (let k = 0; k < count; k++) {
      for (let f = 0; f < F; f++) {
        const v = values[k * F + f];
        sum[f] += v;
        squares[f] += v * v;
      }
    }
  }
  const mean = sum!.map((v) => v / set.count);
  const std = squares!.map((v, f) => {
    const variance = v / set.count - mean[f] * mean[f];
    return variance > 1e-12 ? Math.sqrt(variance) : 1;
  });
  return { mean: tf.tensor1d(Float32Array.from(mean)), std: tf.tensor1d(Float32Array.from(std)) };
}

function identityScaling(features: number): Backbone['scaling'] {
  return { mean: tf.zeros([features]), std: tf.ones([features]) };
}

function fromParams(spec: BackboneSpec, params: readonly tf.Tensor[]): Omit<Backbone, 'id' | 'pretraining' | 'scaling'> {
  const blocks = spec.blocks.map((_, i) => ({ W: params[2 * i] as tf.Tensor4D, b: params[2 * i + 1] as tf.Tensor1D }));
  const head = { W: params[params.length - 2] as tf.Tensor2D, b: params[params.length - 1] as tf.Tensor1D };
  return { spec, blocks, head };
}

function batchOf(set: ImageSet, idx: ArrayLike<number>): { x: tf.Tensor4D; y: tf.Tensor2D } {
  const part = subset(set, idx);
  return {
    x: tf.tensor4d(toFloat(part), [part.count, part.height, part.width, part.channels]),
    y: tf.tidy(() => tf.oneHot(tf.tensor1d(Int32Array.from(part.labels), 'int32'), BACKBONE_CLASSES).toFloat() as tf.Tensor2D),
  };
}

/** Optimiser state per parameter: SGD's velocity, or Adam's first and second moments. */
type OptimizerState = Record<string, tf.Tensor[]>;

function initialState(spec: BackboneSpec, params: readonly tf.Tensor[]): OptimizerState {
  const zeros = () => params.map((p) => tf.zerosLike(p));
  return spec.optimizer === 'adam' ? { first: zeros(), second: zeros() } : { velocity: zeros() };
}

const ADAM = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };

/**
 * One minibatch step t (from 1) on every parameter; the batch tensors are freed.
 *   sgd:  v ← μ v + g,  θ ← θ − lr v
 *   adam: m ← β1 m + (1 − β1) g,  s ← β2 s + (1 − β2) g²,  θ ← θ − lr m̂ / (√ŝ + ε)  (bias-corrected m̂, ŝ)
 * (The backbone is pretrained before the victim exists, so Adam's per-coordinate scaling is allowed here; the
 * victim's head is trained by SGD, which keeps its update in the span of its inputs.)
 */
function trainStep(params: readonly tf.Tensor[], state: OptimizerState, t: number, batch: { x: tf.Tensor4D; y: tf.Tensor2D }, spec: BackboneSpec): { params: tf.Tensor[]; state: OptimizerState; loss: tf.Scalar } {
  try {
    return tf.tidy((): { params: tf.Tensor[]; state: OptimizerState; loss: tf.Scalar } => {
      const lossOf = (...p: tf.Tensor[]) => {
        const backbone = fromParams(spec, p);
        const logits = tf.add(tf.matMul(forward(batch.x, backbone.blocks), backbone.head.W), backbone.head.b);
        return tf.losses.softmaxCrossEntropy(batch.y, logits) as tf.Scalar;
      };
      const { value, grads } = tf.valueAndGrads(lossOf)([...params]);
      if (spec.optimizer === 'sgd') {
        const velocity = state.velocity.map((v, i) => tf.add(tf.mul(v, spec.momentum), grads[i]));
        return { params: params.map((p, i) => tf.sub(p, tf.mul(velocity[i], spec.lr))), state: { velocity }, loss: value as tf.Scalar };
      }
      const first = state.first.map((m, i) => tf.add(tf.mul(m, ADAM.beta1), tf.mul(grads[i], 1 - ADAM.beta1)));
      const second = state.second.map((v, i) => tf.add(tf.mul(v, ADAM.beta2), tf.mul(tf.square(grads[i]), 1 - ADAM.beta2)));
      const c1 = 1 - ADAM.beta1 ** t;
      const c2 = 1 - ADAM.beta2 ** t;
      const next = params.map((p, i) => tf.sub(p, tf.mul(tf.div(tf.div(first[i], c1), tf.add(tf.sqrt(tf.div(second[i], c2)), ADAM.epsilon)), spec.lr)));
      return { params: next, state: { first, second }, loss: value as tf.Scalar };
    });
  } finally {
    tf.dispose([batch.x, batch.y]);
  }
}

/** Test accuracy (percent) of the backbone with its pretraining head. */
async function evaluate(backbone: Pick<Backbone, 'blocks' | 'head'>, test: ImageSet, chunk = 1000): Promise<number> {
  const predicted = new Int32Array(test.count);
  for (let s = 0; s < test.count; s += chunk) {
    const part = subset(test, Array.from({ length: Math.min(chunk, test.count - s) }, (_, i) => s + i));
    const labels = tf.tidy(() => {
      const x = tf.tensor4d(toFloat(part), [part.count, part.height, part.width, part.channels]);
      return tf.argMax(tf.add(tf.matMul(forward(x, backbone.blocks), backbone.head.W), backbone.head.b), 1);
    });
    predicted.set(await labels.data(), s);
    labels.dispose();
  }
  return accuracy(predicted, test.labels);
}

// ---------------------------------------------------------------------------------------------------------------
// Checkpoints and the per-process cache
// ---------------------------------------------------------------------------------------------------------------

/** The tensors of a backbone as the checkpoint stores them. */
export async function backboneTensors(backbone: Backbone): Promise<{ name: string; shape: number[]; values: Float32Array }[]> {
  const named: [string, tf.Tensor][] = [
    ...backbone.blocks.flatMap((blk, i): [string, tf.Tensor][] => [[`block${i}.W`, blk.W], [`block${i}.b`, blk.b]]),
    ['features.mean', backbone.scaling.mean],
    ['features.std', backbone.scaling.std],
    ['head.W', backbone.head.W],
    ['head.b', backbone.head.b],
  ];
  return Promise.all(named.map(async ([name, t]) => ({ name, shape: [...t.shape], values: Float32Array.from(await t.data()) })));
}

export async function saveBackbone(backbone: Backbone, dir = checkpointDir(backbone.id)): Promise<string> {
  return saveCheckpoint(dir, { id: backbone.id, config: { ...backbone.spec }, pretraining: { ...backbone.pretraining } }, await backboneTensors(backbone));
}

/** A backbone from its checkpoint, which must hold the backbone `id` (spec and pretraining images). */
export function backboneFromCheckpoint(id: string, spec: BackboneSpec, checkpoint: Checkpoint, dir: string): Backbone {
  if (checkpoint.meta.id !== id) throw new RangeError(`${dir}: holds backbone ${checkpoint.meta.id}, expected ${id}`);
  const get = (name: string) => {
    const t = checkpoint.tensors.get(name);
    if (!t) throw new RangeError(`${dir}: no tensor ${name}`);
    return tf.tensor(t.values, [...t.shape]);
  };
  return {
    id,
    spec,
    blocks: spec.blocks.map((_, i) => ({ W: get(`block${i}.W`) as tf.Tensor4D, b: get(`block${i}.b`) as tf.Tensor1D })),
    scaling: { mean: get('features.mean') as tf.Tensor1D, std: get('features.std') as tf.Tensor1D },
    head: { W: get('head.W') as tf.Tensor2D, b: get('head.b') as tf.Tensor1D },
    pretraining: checkpoint.meta.pretraining,
  };
}

const loaded = new Map<string, Promise<Backbone>>();
/** Ids by loaded split and spec: hashing the public images (tens of MB) once per process, not once per network. */
const ids = new WeakMap<ImageSplit, Map<string, string>>();

function idOf(spec: BackboneSpec, split: ImageSplit): string {
  const bySpec = ids.get(split) ?? new Map<string, string>();
  ids.set(split, bySpec);
  const key = stableHash(spec);
  if (!bySpec.has(key)) bySpec.set(key, backboneId(spec, publicImages(split.train, spec)));
  return bySpec.get(key)!;
}

/**
 * The backbone of `spec` pretrained on `split`: from this process's memory, else its checkpoint, else pretrained
 * now (and saved). Kept for the life of the process (a few MB), so trials share one copy.
 */
export function obtainBackbone(spec: BackboneSpec, split: ImageSplit, onProgress?: (p: PretrainProgress) => void): Promise<Backbone> {
  const id = idOf(spec, split);
  if (!loaded.has(id)) {
    const getting = (async () => {
      const dir = checkpointDir(id);
      try {
        return backboneFromCheckpoint(id, spec, loadCheckpoint(dir), dir);
      } catch (err) {
        if (existsSync(dir)) throw err; // a damaged checkpoint is reported, never silently retrained over
      }
      const backbone = await pretrainBackbone(spec, split, onProgress);
      await saveBackbone(backbone, dir);
      return backbone;
    })();
    getting.catch(() => loaded.delete(id));
    loaded.set(id, getting);
  }
  return loaded.get(id)!;
}
