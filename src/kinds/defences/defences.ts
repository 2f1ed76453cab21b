/**
 * The standard backdoor defences the l1 purification is compared with, acting on a network whose trainable part is
 * a one-layer dense head on frozen features h(x) (docs/practical.md §6):
 *
 *   - fine-tuning: continue training the backdoored head on the benign labelled inputs;
 *   - Fine-Pruning (Liu, Dolan-Gavitt, Garg 2018): prune the units least active on benign inputs, then fine-tune.
 *     The units are the head's inputs (the last layer before the classifier, as in the paper); a pruned unit's
 *     activation is held at 0 (for a standardised backbone feature: its value for a raw activation of 0);
 *   - ANP, Adversarial Neuron Pruning (Wu & Wang 2021): learn a mask m ∈ [0, 1] over the units that keeps the
 *     benign loss low even when every unit is adversarially rescaled by (m + δ), |δ| ≤ ε, then prune the units
 *     whose mask ends below a threshold (their output is set to 0). Backdoor units are the ones whose perturbation
 *     costs the most. Of BackdoorBench's recent defences it is the one that acts where the victim's trainable
 *     parameters are: NAD distils attention maps of intermediate layers, which a frozen backbone keeps fixed (it
 *     would reduce to fine-tuning), and i-BAU needs adversarial input perturbations through the backbone at every
 *     step, the costliest on 2 cores.
 *
 * A pruned network is "the head on features whose pruned units are replaced by a constant": `maskedFeatures`.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../util/rng.ts';

/**
 * Fine-Pruning's choice: the round(rate · units) units with the lowest mean activation over the rows of
 * `activations` ([count, units], row-major), lowest first (ties: the lower index first), returned ascending.
 */
export function dormantUnits(activations: ArrayLike<number>, count: number, units: number, rate: number): Int32Array {
  if (activations.length !== count * units) throw new RangeError(`${activations.length} activations for ${count} × ${units}`);
  const mean = new Float64Array(units);
  for (let k = 0; k < count; k++) for (let u = 0; u < units; u++) mean[u] += activations[k * units + u];
  const order = Int32Array.from({ length: units }, (_, u) => u).sort((a, b) => mean[a] - mean[b] || a - b);
  return order.slice(0, Math.round(rate * units)).sort();
}

/** Features with the `pruned` units replaced by `value` (their per-unit constant): h ⊙ keep + value ⊙ (1 − keep). */
export function maskedFeatures(features: tf.Tensor2D, pruned: ArrayLike<number>, value: Float32Array): tf.Tensor2D {
  return tf.tidy(() => {
    const units = features.shape[1];
    const keep = new Float32Array(units).fill(1);
    const fill = new Float32Array(units);
    for (let i = 0; i < pruned.length; i++) {
      keep[pruned[i]] = 0;
      fill[pruned[i]] = value[pruned[i]];
    }
    return tf.add(tf.mul(features, tf.tensor1d(keep)), tf.tensor1d(fill)) as tf.Tensor2D;
  });
}

export interface AnpOptions {
  readonly eps: number;
  readonly alpha: number;
  readonly lr: number;
  readonly steps: number;
  readonly batchSize: number;
  readonly pruneBy: 'threshold' | 'fraction';
  readonly threshold: number;
  readonly fraction: number;
}

/**
 * ANP's mask for a head W [classes, units + 1] (bias last) on benign features [n, units] with labels: per step, a
 * minibatch, δ drawn uniformly in [−ε, ε] and moved one signed-gradient step of size ε up the loss of the perturbed
 * network (clipped to [−ε, ε]), then m ← clip(m − lr ∇_m [α L(m) + (1 − α) L(m + δ)], 0, 1). All draws from `seed`.
 * Returns the final mask and the pruned units, ascending: those whose mask is below `threshold`, or the
 * round(fraction · units) with the lowest masks (ties: the lower index first).
 */
export async function anpMask(W: tf.Tensor2D, features: tf.Tensor2D, labels: Int32Array, opts: AnpOptions, seed: string): Promise<{ mask: Float32Array; pruned: Int32Array }> {
  const [n, units] = features.shape;
  const classes = W.shape[0];
  const rng = new Rng(`${seed}:anp`);
  const weights = tf.tidy(() => W.slice([0, 0], [classes, units]) as tf.Tensor2D); // [classes, units]
  const transposed = tf.tidy(() => tf.transpose(weights) as tf.Tensor2D); // [units, classes]: wasm multiplies transposed operands slowly
  const bias = tf.tidy(() => W.slice([0, units], [classes, 1]).reshape([classes]) as tf.Tensor1D);
  const targets = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), classes).toFloat() as tf.Tensor2D);
  let mask = tf.ones([units]) as tf.Tensor1D;
  try {
    for (let step = 0; step < opts.steps; step++) {
      const idx = Int32Array.from({ length: Math.min(opts.batchSize, n) }, () => Math.floor(rng.uniform() * n));
      const noise = Float32Array.from({ length: units }, () => opts.eps * (2 * rng.uniform() - 1));
      const next = tf.tidy(() => {
        const index = tf.tensor1d(idx, 'int32');
        const x = tf.gather(features, index) as tf.Tensor2D;
        const y = tf.gather(targets, index) as tf.Tensor2D;
        const ascent = scaleGradient(x, y, tf.add(mask, tf.tensor1d(noise)) as tf.Tensor1D, weights, transposed, bias);
        const delta = tf.clipByValue(tf.add(tf.tensor1d(noise), tf.mul(tf.sign(ascent), opts.eps)), -opts.eps, opts.eps);
        const natural = scaleGradient(x, y, mask, weights, transposed, bias);
        const perturbed = scaleGradient(x, y, tf.add(mask, delta) as tf.Tensor1D, weights, transposed, bias);
        const descent = tf.add(tf.mul(natural, opts.alpha), tf.mul(perturbed, 1 - opts.alpha));
        return tf.clipByValue(tf.sub(mask, tf.mul(descent, opts.lr)), 0, 1) as tf.Tensor1D;
      });
      mask.dispose();
      mask = next;
    }
    const values = Float32Array.from(await mask.data());
    return { mask: values, pruned: opts.pruneBy === 'threshold' ? Int32Array.from(Array.from(values).flatMap((v, u) => (v < opts.threshold ? [u] : []))) : lowest(values, opts.fraction) };
  } finally {
    tf.dispose([weights, transposed, bias, targets, mask]);
  }
}

/** The round(share · length) indices of the lowest values (ties: the lower index first), ascending. */
function lowest(values: Float32Array, share: number): Int32Array {
  const order = Int32Array.from(values, (_, u) => u).sort((a, b) => values[a] - values[b] || a - b);
  return order.slice(0, Math.round(share * values.length)).sort();
}

/**
 * ∂L/∂s of the mean cross-entropy L of the head on unit outputs x ⊙ s, written out: with p = softmax((x ⊙ s) Wᵀ + b),
 * ∂L/∂s_i = (1/B) Σ_b ((p − y) W)_{b,i} x_{b,i}. (A closed form instead of tf.grad: no tape, a few products.)
 */
function scaleGradient(x: tf.Tensor2D, y: tf.Tensor2D, s: tf.Tensor1D, W: tf.Tensor2D, Wt: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor1D {
  const p = tf.softmax(tf.add(tf.matMul(tf.mul(x, s), Wt), b));
  return tf.div(tf.sum(tf.mul(tf.matMul(tf.sub(p, y), W), x), 0), x.shape[0]) as tf.Tensor1D;
}
