/**
 * Training the dense layers on fixed conv features: minibatch SGD with heavy-ball momentum on the softmax
 * cross-entropy, from θ0.
 *
 * Why these choices: every step adds a linear combination of per-example gradients, and the gradient of a dense
 * layer's row j is Σ_s δ_{s,j} (h(x_s), 1). While the layer's inputs h are fixed (the layers below do not move)
 * its update therefore stays in span{(h(x_s), 1)} exactly. Momentum keeps that (it mixes past gradients); Adam's
 * per-coordinate scaling and weight decay towards 0 would not, so they are not offered.
 *
 * As in the synthetic kind's training (src/kinds/synthetic/train.ts), the update Δ = θ − θ0 is accumulated in its own tensor: in float32, reading it off
 * θ_T − θ0 would bury it in rounding noise when θ0 is much larger.
 */
import * as tf from '@tensorflow/tfjs';
import { seededPermutation } from '../data/index.ts';
import { logits } from './network.ts';
import type { PracticalTrainingConfig } from './schema.ts';

export class TrainingDiverged extends Error {
  override name = 'TrainingDiverged';
}

export interface TrainOptions extends Pick<PracticalTrainingConfig, 'epochs' | 'batchSize' | 'lr' | 'momentum' | 'schedule'> {
  /** Seed of the minibatch order. */
  readonly seed: string;
  /** Called after every epoch (progress display); `stage` counts the layerwise stages. */
  readonly onEpoch?: (info: EpochInfo) => void;
}

export interface EpochInfo {
  readonly stage: number;
  readonly stages: number;
  readonly epoch: number;
  readonly epochs: number;
  readonly loss: number;
}

export interface Trained {
  /** Δ per dense layer (new tensors; the caller disposes them). */
  readonly updates: tf.Tensor2D[];
  readonly lossInitial: number;
  readonly lossFinal: number;
}

/**
 * Train the dense layers θ0 + Δ on (features, labels), starting from the updates `start` (zeros for a fresh
 * network; the clean updates when an attacker or a defender fine-tunes), and return the new updates.
 */
export async function trainDense(features: tf.Tensor2D, labels: Int32Array, theta0: readonly tf.Tensor2D[], start: readonly tf.Tensor2D[], opts: TrainOptions): Promise<Trained> {
  const targets = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), theta0[theta0.length - 1].shape[0]).toFloat() as tf.Tensor2D);
  let updates = start.map((d) => d.clone());
  const stages = opts.schedule === 'layerwise' ? theta0.map((_, l) => [l]) : [theta0.map((_, l) => l)];
  try {
    const lossInitial = await meanLoss(features, targets, theta0, updates);
    let lossFinal = lossInitial;
    for (const [s, layers] of stages.entries()) {
      const result = await trainStage(features, targets, theta0, updates, layers, opts, s, stages.length);
      updates = result.updates;
      lossFinal = result.loss;
    }
    return { updates, lossInitial, lossFinal };
  } catch (err) {
    tf.dispose(updates);
    throw err;
  } finally {
    targets.dispose();
  }
}

async function trainStage(
  features: tf.Tensor2D,
  targets: tf.Tensor2D,
  theta0: readonly tf.Tensor2D[],
  initial: tf.Tensor2D[],
  layers: number[],
  opts: TrainOptions,
  stage: number,
  stages: number,
): Promise<{ updates: tf.Tensor2D[]; loss: number }> {
  const n = features.shape[0];
  let updates = initial;
  let velocity = layers.map((l) => tf.zerosLike(theta0[l]));
  let loss = NaN;
  try {
    for (let epoch = 1; epoch <= opts.epochs; epoch++) {
      const order = seededPermutation(n, `${opts.seed}:stage-${stage}:epoch-${epoch}`);
      let lossSum = tf.scalar(0);
      for (let start = 0; start < n; start += opts.batchSize) {
        const idx = Int32Array.from(order.subarray(start, Math.min(n, start + opts.batchSize)));
        const step = sgdStep(features, targets, theta0, updates, velocity, layers, idx, opts);
        const sum = tf.tidy(() => lossSum.add(step.loss.mul(idx.length)));
        tf.dispose([lossSum, step.loss, ...velocity, ...layers.map((l) => updates[l])]);
        lossSum = sum as tf.Scalar;
        velocity = step.velocity;
        updates = updates.map((d, l) => (layers.includes(l) ? step.trained[layers.indexOf(l)] : d));
      }
      loss = (await lossSum.data())[0] / n;
      lossSum.dispose();
      // NaN/Inf enters here (a too large lr): stop the trial, do not train on garbage.
      if (!Number.isFinite(loss)) throw new TrainingDiverged(`training diverged: loss ${loss} in epoch ${epoch} (lower training.lr)`);
      opts.onEpoch?.({ stage, stages, epoch, epochs: opts.epochs, loss });
    }
    return { updates, loss };
  } catch (err) {
    tf.dispose(updates); // ownership of `initial` passed to this stage (disposing twice is harmless)
    throw err;
  } finally {
    tf.dispose(velocity);
  }
}

/** One minibatch step on the layers being trained: v ← μ v + g, Δ ← Δ − lr v. */
function sgdStep(
  features: tf.Tensor2D,
  targets: tf.Tensor2D,
  theta0: readonly tf.Tensor2D[],
  updates: readonly tf.Tensor2D[],
  velocity: readonly tf.Tensor2D[],
  layers: number[],
  idx: Int32Array,
  opts: TrainOptions,
): { loss: tf.Scalar; velocity: tf.Tensor2D[]; trained: tf.Tensor2D[] } {
  return tf.tidy(() => {
    const index = tf.tensor1d(idx, 'int32');
    const x = tf.gather(features, index) as tf.Tensor2D;
    const y = tf.gather(targets, index) as tf.Tensor2D;
    const fixed = updates.map((d, l) => (layers.includes(l) ? undefined : (theta0[l].add(d) as tf.Tensor2D)));
    const lossOf = (...trained: tf.Tensor[]) => {
      const weights = theta0.map((w0, l) => fixed[l] ?? (w0.add(trained[layers.indexOf(l)]) as tf.Tensor2D));
      return tf.losses.softmaxCrossEntropy(y, logits(x, weights)) as tf.Scalar;
    };
    const { value, grads } = tf.valueAndGrads(lossOf)(layers.map((l) => updates[l]));
    const nextVelocity = velocity.map((v, i) => v.mul(opts.momentum).add(grads[i]) as tf.Tensor2D);
    const trained = layers.map((l, i) => updates[l].sub(nextVelocity[i].mul(opts.lr)) as tf.Tensor2D);
    return { loss: value as tf.Scalar, velocity: nextVelocity, trained };
  });
}

/** Mean cross-entropy of θ0 + Δ on the whole set. */
async function meanLoss(features: tf.Tensor2D, targets: tf.Tensor2D, theta0: readonly tf.Tensor2D[], updates: readonly tf.Tensor2D[]): Promise<number> {
  const loss = tf.tidy(() => tf.losses.softmaxCrossEntropy(targets, logits(features, theta0.map((w, l) => w.add(updates[l]) as tf.Tensor2D))));
  const value = (await loss.data())[0];
  loss.dispose();
  return value;
}
