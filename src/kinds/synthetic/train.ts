/**
 * Full-batch gradient descent on L = (1/2n) Σ_s (f(x_s) − y_s)², from a known initialisation θ0.
 *
 * The update θ_T − θ0 is accumulated in its own tensor rather than read off θ_T − θ0 afterwards: in float32,
 * θ0 is often much larger than the update, and the subtraction would bury the update in rounding noise.
 *
 *   hidden layer, 'linearized': gates frozen at θ0, so every step adds a combination of the columns of A_W and
 *                               the update lies in range(A_W) exactly (up to float rounding);
 *   hidden layer, 'relu':       true GD; the gates move, and the update leaves range(A_W) by as much as they do;
 *   output layer:               W, b fixed, the update Σ_t Φᵀe_t / n lies in range(A_β) = range(Φᵀ) exactly.
 *
 * In the two linear cases the iterate stays in range(A), Δ = A c, so GD can run on the n coefficients c with
 * the n×n Gram matrix K = AᵀA (`training.space: coefficients`, the default): one m·n² product, then n² per
 * step instead of 2·m·n (in float64), and Δ = A c once at the end. Equal to the parameter-space iterates in exact arithmetic;
 * the tests check they agree to float32 precision. `space: parameters` keeps the direct iteration as reference.
 */
import * as tf from '@tensorflow/tfjs';
import type { TrainingConfig } from './schema.ts';
import { features, forward, gatedForward, gates, hiddenGradient, outputGradient, squaredLoss, type CnnParams } from './cnn.ts';

export class TrainingDiverged extends Error {
  override name = 'TrainingDiverged';
}

export interface HiddenUpdate {
  readonly dW: tf.Tensor2D;
  readonly db: tf.Tensor1D;
  readonly lossInitial: number;
  readonly lossFinal: number;
  /**
   * Share of activation gates (sample × patch × unit) that differ between θ0 and θ_T: patterns that moved
   * (ReLU training), or that the frozen-pattern model ignores (linearized training).
   */
  readonly flippedShare: number;
}

export interface OutputUpdate {
  readonly da: tf.Tensor1D;
  readonly lossInitial: number;
  readonly lossFinal: number;
}

/** How often training looks at the loss to catch NaN/Inf early (each look is a device→host copy). */
const CHECK_EVERY = 25;

export function trainHidden(P: tf.Tensor3D, y: tf.Tensor1D, init: CnnParams, training: Pick<TrainingConfig, 'mode' | 'steps' | 'lr'>): HiddenUpdate {
  const G0 = gates(P, init.W, init.b);
  let dW = tf.zerosLike(init.W);
  let db = tf.zerosLike(init.b);
  const current = (): CnnParams => ({ W: init.W.add(dW), b: init.b.add(db), a: init.a });
  const residual = (params: CnnParams, G: tf.Tensor3D): tf.Tensor1D =>
    (training.mode === 'linearized' ? gatedForward(P, params, G) : forward(P, params)).sub(y);

  const lossInitial = tf.tidy(() => squaredLoss(forward(P, init).sub(y)));
  for (let step = 1; step <= training.steps; step++) {
    const [nextW, nextB] = tf.tidy(() => {
      const params = current();
      const G = training.mode === 'linearized' ? G0 : gates(P, params.W, params.b);
      const { gW, gb } = hiddenGradient(P, init.a, G, residual(params, G));
      return [dW.sub(gW.mul(training.lr)), db.sub(gb.mul(training.lr))];
    });
    tf.dispose([dW, db]);
    dW = nextW as tf.Tensor2D;
    db = nextB as tf.Tensor1D;
    if (step % CHECK_EVERY === 0 || step === training.steps) assertFinite(dW, db, step);
  }
  const { lossFinal, flippedShare } = tf.tidy(() => {
    const params = current();
    const GT = gates(P, params.W, params.b);
    return {
      lossFinal: squaredLoss(residual(params, G0)),
      flippedShare: GT.sub(G0).abs().mean().dataSync()[0],
    };
  });
  G0.dispose();
  return { dW, db, lossInitial, lossFinal, flippedShare };
}

/**
 * Linearized training written with the Jacobian. The gated network is linear in θ = (W, b):
 * f_G(θ) = f(θ0) + Jᵀ(θ − θ0) with J = A_W (m × n, column s = ∇f(x_s) at θ0), so gradient descent on it is
 *
 *     Δ ← Δ − (lr/n) · A_W (f0 + A_Wᵀ Δ − y)
 *
 * — the same iterates as `trainHidden(…, {mode: 'linearized'})` (the tests check that they agree), at the
 * cost of two m×n matrix–vector products per step instead of a pass through the network.
 */
export function trainHiddenLinearized(
  P: tf.Tensor3D,
  y: tf.Tensor1D,
  init: CnnParams,
  A: tf.Tensor2D,
  training: Pick<TrainingConfig, 'steps' | 'lr'> & Partial<Pick<TrainingConfig, 'space'>>,
): HiddenUpdate {
  const [p, k] = init.W.shape;
  const n = y.shape[0];
  const At = A.transpose() as tf.Tensor2D;
  const offset = tf.tidy(() => forward(P, init).sub(y).expandDims(1) as tf.Tensor2D); // f0 − y, [n, 1]
  const residual = (delta: tf.Tensor2D) => tf.matMul(At, delta).add(offset) as tf.Tensor2D;
  const lossInitial = tf.tidy(() => squaredLoss(offset.squeeze([1]) as tf.Tensor1D));
  let delta: tf.Tensor2D;
  if ((training.space ?? 'coefficients') === 'coefficients') {
    // Δ = A c,  c ← c − (lr/n)(K c + f0 − y),  K = AᵀA
    const c = descendCoefficients(A, At, offset, training.steps, training.lr / n);
    delta = tf.matMul(A, c) as tf.Tensor2D;
    c.dispose();
  } else {
    delta = tf.zeros([A.shape[0], 1]) as tf.Tensor2D;
    for (let step = 1; step <= training.steps; step++) {
      const next = tf.tidy(() => delta.sub(tf.matMul(A, residual(delta)).mul(training.lr / n)));
      delta.dispose();
      delta = next as tf.Tensor2D;
      if (step % CHECK_EVERY === 0 || step === training.steps) assertFinite(delta, delta, step);
    }
  }
  const lossFinal = tf.tidy(() => squaredLoss(residual(delta).squeeze([1]) as tf.Tensor1D));
  const dW = delta.slice([0, 0], [p * k, 1]).reshape([p, k]) as tf.Tensor2D;
  const db = delta.slice([p * k, 0], [p, 1]).reshape([p]) as tf.Tensor1D;
  const flippedShare = tf.tidy(() => {
    const G0 = gates(P, init.W, init.b);
    return gates(P, init.W.add(dW), init.b.add(db)).sub(G0).abs().mean().dataSync()[0];
  });
  tf.dispose([delta, At, offset]);
  return { dW, db, lossInitial, lossFinal, flippedShare };
}

/**
 * Train a with W, b fixed: an ordinary least-squares problem in the features Φ(x_s). The features are O(1)
 * and there are p of them, so the kernel ΦΦᵀ/n grows like p; the step is lr/p to stay stable at any width.
 */
export function trainOutput(
  P: tf.Tensor3D,
  y: tf.Tensor1D,
  hidden: CnnParams,
  training: Pick<TrainingConfig, 'steps' | 'lr'> & Partial<Pick<TrainingConfig, 'space'>>,
): OutputUpdate {
  const Phi = features(P, hidden.W, hidden.b);
  const stepSize = training.lr / hidden.a.shape[0];
  const residual = (da: tf.Tensor1D) => tf.matMul(Phi, hidden.a.add(da).expandDims(1)).squeeze([1]).sub(y) as tf.Tensor1D;
  let da = tf.zerosLike(hidden.a);
  const lossInitial = tf.tidy(() => squaredLoss(residual(da)));
  if ((training.space ?? 'coefficients') === 'coefficients') {
    // da = Φᵀ c,  c ← c − (stepSize/n)(K c + Φa − y),  K = ΦΦᵀ
    const n = y.shape[0];
    const At = Phi.transpose() as tf.Tensor2D; // A_β, [p, n]
    const offset = tf.tidy(() => residual(da).expandDims(1) as tf.Tensor2D);
    const c = descendCoefficients(At, Phi, offset, training.steps, stepSize / n);
    da.dispose();
    da = tf.tidy(() => tf.matMul(At, c).squeeze([1]) as tf.Tensor1D);
    tf.dispose([c, At, offset]);
  } else {
    for (let step = 1; step <= training.steps; step++) {
      const next = tf.tidy(() => da.sub(outputGradient(Phi, residual(da)).mul(stepSize)));
      da.dispose();
      da = next as tf.Tensor1D;
      if (step % CHECK_EVERY === 0 || step === training.steps) assertFinite(da, da, step);
    }
  }
  const lossFinal = tf.tidy(() => squaredLoss(residual(da)));
  Phi.dispose();
  return { da, lossInitial, lossFinal };
}

/**
 * GD on the coefficients of an update Δ = A c whose gradient is A(AᵀΔ + offset)·rate:  c ← c − rate (K c + offset),
 * K = AᵀA, from c = 0. Returns c [n, 1]. K is formed on the backend (the m·n² part) as the plain product of the
 * explicit transpose `At` with A: wasm runs only plain 2-D products on XNNPACK, and `matMul(A, A, true)` took 57 s
 * of the large cell's (m = 12,600, n = 2,000) training. The steps are n×n products, run in float64 JS because at
 * this size a tensor op costs more in dispatch than in arithmetic.
 */
function descendCoefficients(A: tf.Tensor2D, At: tf.Tensor2D, offset: tf.Tensor2D, steps: number, rate: number): tf.Tensor2D {
  const n = A.shape[1];
  // Not returned from tf.tidy: tidy walks what its callback returns, element by element for a typed array (5 s at n = 2,000).
  const product = tf.matMul(At, A);
  const K = product.dataSync();
  product.dispose();
  const f = offset.dataSync();
  let c = new Float64Array(n);
  let next = new Float64Array(n);
  for (let step = 1; step <= steps; step++) {
    for (let i = 0; i < n; i++) {
      let g = f[i];
      const row = i * n;
      for (let j = 0; j < n; j++) g += K[row + j] * c[j];
      next[i] = c[i] - rate * g;
    }
    [c, next] = [next, c];
    if ((step % CHECK_EVERY === 0 || step === steps) && !c.every(Number.isFinite)) {
      throw new TrainingDiverged(`training diverged: the update became non-finite at step ${step}; lower training.lr or training.steps`);
    }
  }
  return tf.tensor2d(Float32Array.from(c), [n, 1]);
}

function assertFinite(x: tf.Tensor, z: tf.Tensor, step: number): void {
  const total = tf.tidy(() => x.sum().add(z.sum()).dataSync()[0]);
  if (!Number.isFinite(total)) {
    throw new TrainingDiverged(`training diverged: the update became ${total} at step ${step}; lower training.lr or training.steps`);
  }
}
