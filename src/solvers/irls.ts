/**
 * Batched iteratively reweighted least squares (IRLS) for l1 regression, in the orthonormal basis Q of range(A)
 * (delta = Q v; same minimiser as over A, better conditioned).
 *
 *     w_i   = 1 / max(|r_i|, ε_t)                        weights from the current residual r = b̃ − Q v
 *     v⁺    = (Qᵀ W Q)^{-1} Qᵀ W b̃                        weighted normal equations
 *     ε_t   = max(ε₀ · decay^t, εmin)                     smoothing schedule (in units of median|b − P b|)
 *
 * Each step minimises the smoothed majoriser Σ_i w_i r_i² / 2 of Σ_i |r_i| (Daubechies–DeVore–Fornasier–Güntürk).
 * At a weighted least-squares solution Qᵀ (W r) = 0 with |w_i r_i| ≤ 1, so y = W r is an (approximate) dual
 * certificate and serves as polish's dual hint.
 *
 * Batching: for the k problems that share Q, the k Gram matrices Qᵀ W_j Q are one 2-D GEMM,
 * [(W_j ⊙ Qᵀ) stacked over j: k·r × m] · Q → k·r × r, on the device; the r×r systems are solved by float64
 * Cholesky in JS (a tiny ridge is added if float32 rounding made one indefinite). This makes every IRLS step a
 * device→host→device round trip; checks (polish + certificate, shared driver in admm.ts) every `checkEvery` steps.
 * εmin is kept well above float32 resolution: a smaller floor makes the weights amplify rounding noise.
 *
 * Residuals: primal = ||d_t − d_{t−1}||₂ / ||b̃||₂ (change of the iterate over the last step); there is no separate
 * dual residual (reported as 0), so `epsPrimal` alone stops an uncertified run.
 */
import * as tf from '@tensorflow/tfjs';
import * as z from 'zod';
import type { Shape } from '../schema/define.ts';
import { defineSolver } from './define.ts';
import { bySegment, firstOrderFields, solveFirstOrder, type FirstOrderMethod, type Segment, type State } from './first-order.ts';
import { cholesky, cholSolve, TensorCache, type Basis } from './linalg.ts';
import type { Solver, Subspace } from './types.ts';

// IRLS has no dual residual (it reports 0), so it has no epsDual: epsPrimal alone stops an uncertified run.
const { epsDual: _none, ...shared } = firstOrderFields({ maxIterations: 100, checkEvery: 5, firstCheck: 5, epsPrimal: 1e-7, epsDual: 1, adapt: false, mu: 10, tau: 2, backoff: 0.2 });

export const irlsOptions = z.strictObject({
  ...shared,
  eps0: z.number().gt(0).default(1).describe('initial smoothing, in units of median|b − Pb|'),
  decay: z.number().gt(0).max(1).default(0.7).describe('ε shrinks by this factor per iteration'),
  epsMin: z.number().gt(0).default(1e-5).describe('smallest smoothing'),
});

export type IrlsOptions = Shape<typeof irlsOptions>;
export const IRLS_DEFAULTS: IrlsOptions = irlsOptions.parse({});

interface IrlsOp {
  readonly Q: tf.Tensor2D; // m×r
  readonly Qt: tf.Tensor2D; // r×m
  readonly r: number;
}

class IrlsMethod implements FirstOrderMethod<IrlsOp> {
  readonly scaledKeys = ['B', 'R', 'D'];
  private readonly cache = new TensorCache();

  constructor(private readonly opts: IrlsOptions) {}

  newBatch(): void {
    this.cache.newBatch();
  }

  operator(A: Subspace, basis: Basis): IrlsOp {
    const { X, Xt } = this.cache.get(A.id, () => ({ X: basis.Q, rows: basis.m, cols: basis.r }));
    return { Q: X, Qt: Xt, r: basis.r };
  }

  /** Start from least squares: d⁰ = P b̃, r⁰ = b̃ − d⁰; weights are formed at the first step. */
  init(segs: readonly Segment<IrlsOp>[], B: tf.Tensor2D): State {
    const D = bySegment(segs, B, (x, op) => tf.matMul(tf.matMul(x, op.Q), op.Qt) as tf.Tensor2D);
    return { B: tf.keep(B), R: tf.keep(tf.sub(B, D) as tf.Tensor2D), D: tf.keep(D), W: tf.keep(tf.onesLike(B)) };
  }

  run(segs: readonly Segment<IrlsOp>[], state: State, steps: number, done: number) {
    let { R, D, W } = state;
    const { B } = state;
    let primal: tf.Tensor1D | undefined;
    for (let s = 0; s < steps; s++) {
      const t = done + s;
      const eps = Math.max(this.opts.eps0 * this.opts.decay ** t, this.opts.epsMin);
      const w = tf.tidy(() => tf.reciprocal(tf.maximum(tf.abs(R), eps)) as tf.Tensor2D); // w = 1/max(|r|, ε)
      const d = this.weightedFit(segs, w, B); //                                            d⁺ = Q v⁺
      const next = tf.tidy(() => {
        const r = tf.sub(B, d) as tf.Tensor2D;
        const p = s === steps - 1 ? (tf.norm(tf.sub(d, D), 'euclidean', 1) as tf.Tensor1D) : undefined;
        return { r, p };
      });
      tf.dispose([R, D, W]);
      R = next.r;
      D = d;
      W = w;
      primal = next.p ?? primal;
    }
    const dual = tf.zeros([R.shape[0]]) as tf.Tensor1D;
    return { state: { B, R, D, W }, primal: primal!, dual };
  }

  /** d_j = Q v_j, v_j = (Qᵀ W_j Q)^{-1} Qᵀ W_j b̃_j for every row j (per subspace). */
  private weightedFit(segs: readonly Segment<IrlsOp>[], W: tf.Tensor2D, B: tf.Tensor2D): tf.Tensor2D {
    if (segs.length === 1) return this.weightedFitOne(segs[0].op, W, B);
    const counts = segs.map((seg) => seg.count);
    const Ws = tf.split(W, counts, 0) as tf.Tensor2D[];
    const Bs = tf.split(B, counts, 0) as tf.Tensor2D[];
    const parts = segs.map((seg, g) => this.weightedFitOne(seg.op, Ws[g], Bs[g]));
    const out = tf.concat(parts, 0) as tf.Tensor2D;
    tf.dispose([...Ws, ...Bs, ...parts]);
    return out;
  }

  /** One subspace: the k Grams as one GEMM on the device, the r×r solves in float64 on the host. */
  private weightedFitOne(op: IrlsOp, W: tf.Tensor2D, B: tf.Tensor2D): tf.Tensor2D {
    const k = W.shape[0];
    const r = op.r;
    const [gram, rhs] = tf.tidy(() => {
      const scaled = tf.mul(tf.expandDims(op.Qt, 0), tf.expandDims(W, 1)); //   [k, r, m]: W_j ⊙ Qᵀ
      const G = tf.matMul(tf.reshape(scaled, [k * r, -1]) as tf.Tensor2D, op.Q); // [k·r, r]
      const h = tf.matMul(tf.mul(W, B) as tf.Tensor2D, op.Q); //                   [k, r]: Qᵀ W b̃
      return [G, h];
    });
    const G = gram.dataSync() as Float32Array;
    const h = rhs.dataSync() as Float32Array;
    tf.dispose([gram, rhs]);
    const v = new Float32Array(k * r);
    for (let j = 0; j < k; j++) v.set(solveSpd(G.subarray(j * r * r, (j + 1) * r * r), h.subarray(j * r, (j + 1) * r), r), j * r);
    return tf.tidy(() => tf.matMul(tf.tensor2d(v, [k, r]), op.Qt) as tf.Tensor2D);
  }

  extract(_segs: readonly Segment<IrlsOp>[], state: State) {
    return tf.tidy(() => ({
      delta: tf.clone(state.D),
      ranking: tf.clone(state.R),
      dual: tf.mul(state.W, state.R) as tf.Tensor2D, // y = W r (Qᵀ y ≈ 0, |y| ≲ 1)
    }));
  }

  dispose(): void {
    this.cache.dispose();
  }
}

/** Solve G x = h (G symmetric positive definite up to float32 rounding) in float64; ridge on failure. */
function solveSpd(G32: Float32Array, h32: Float32Array, r: number): Float64Array {
  let maxDiag = 0;
  for (let a = 0; a < r; a++) maxDiag = Math.max(maxDiag, G32[a * r + a]);
  for (const ridge of [0, 1e-7, 1e-5, 1e-3]) {
    const L = Float64Array.from(G32);
    for (let a = 0; a < r; a++) L[a * r + a] += ridge * maxDiag;
    if (cholesky(L, r)) {
      const x = Float64Array.from(h32);
      cholSolve(L, r, x);
      return x;
    }
  }
  return new Float64Array(r).fill(NaN);
}

export function createIrls(options: Partial<IrlsOptions> = {}): Solver {
  const opts = { ...IRLS_DEFAULTS, ...options };
  const method = new IrlsMethod(opts);
  return {
    name: 'irls',
    solve: (problems) => solveFirstOrder('irls', method, { ...opts, epsDual: Infinity }, 1, problems),
    dispose: () => method.dispose(),
  };
}

export const irls = defineSolver('irls', 'batched iteratively reweighted least squares with a shrinking smoothing ε', irlsOptions, createIrls);
