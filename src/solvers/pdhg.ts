/**
 * Batched primal–dual hybrid gradient (Chambolle–Pock; equivalently linearized ADMM) for l1 regression, as tfjs
 * tensor ops. Matmul only: no factorisation of A is used by the iteration.
 *
 * Saddle-point form, with y the dual of the residual:
 *
 *     min_u ||A u − b||₁ = min_u max_{|y|∞ ≤ 1} yᵀ(A u − b)
 *
 * Iteration (A normalised to ||A||₂ = 1 by a power-iteration estimate, steps σ = τ = η < 1, θ = 1):
 *
 *     y⁺ = clip(y + η (A ū − b̃), −1, 1)           prox of the conjugate of ||· − b̃||₁
 *     u⁺ = u − η Aᵀ y⁺
 *     ū⁺ = 2 u⁺ − u                                extrapolation
 *
 * Per-problem primal weight: the problem is solved for b̃ = s b (u scales with s, y does not), which is the same as
 * running with steps (η s, η/s); s starts at w0 / median|b − P b| and is rebalanced at checks like ADMM's ρ (`adapt`).
 *
 * Residuals at checks: primal ||A(u_k − u_{k−checkEvery})||₂ / ||b̃||₂ (movement of delta since the previous check),
 * dual ||Aᵀ y||₂ / sqrt(m) (infeasibility of the dual; |y| ≤ 1 holds by construction). At the optimum y = sign(A u − b) off the clean set, so −y is the dual
 * hint polish uses. Batching, stopping and certification: the shared driver in admm.ts. The orthonormal basis of
 * range(A) is still computed (float64, cached) for the polish/certificate step and the initial scale. The iteration
 * count grows with the condition number of A; `operator: 'basis'` iterates with Q instead.
 */
import * as tf from '@tensorflow/tfjs';
import * as z from 'zod';
import type { Shape } from '../schema/define.ts';
import { defineSolver } from './define.ts';
import { bySegment, firstOrderFields, solveFirstOrder, type FirstOrderMethod, type Segment, type State } from './first-order.ts';
import { spectralNorm, TensorCache, type Basis } from './linalg.ts';
import type { Solver, Subspace } from './types.ts';

export const pdhgOptions = z.strictObject({
  ...firstOrderFields({ maxIterations: 4000, checkEvery: 25, firstCheck: 25, epsPrimal: 1e-7, epsDual: 1e-7, adapt: true, mu: 10, tau: 2, backoff: 0.2 }),
  // 'A': the subspace as given, scaled to unit norm (matmul only, no factorisation); 'basis': its orthonormal basis Q,
  // zero-padded to n columns (same minimiser, perfectly conditioned: far fewer iterations when A is ill-conditioned).
  operator: z.enum(['A', 'basis']).default('A').describe('iterate with A as given, or its orthonormal basis (better for ill-conditioned A)'),
  step: z.number().gt(0).max(1).default(0.99).describe('step η = σ = τ of the normalised operator (< 1)'),
  w0: z.number().gt(0).default(1).describe('initial primal weight w0 / median|b − Pb|'),
});

export type PdhgOptions = Shape<typeof pdhgOptions>;
export const PDHG_DEFAULTS: PdhgOptions = pdhgOptions.parse({});

interface PdhgOp {
  readonly A: tf.Tensor2D; // m×n, A/||A||
  readonly At: tf.Tensor2D; // n×m
  readonly n: number;
}

class PdhgMethod implements FirstOrderMethod<PdhgOp> {
  readonly scaledKeys = ['B', 'U', 'Ubar', 'AU'];
  readonly dualNorm = 'sqrtm' as const;
  private readonly cache = new TensorCache();
  private eta: tf.Scalar | undefined;

  constructor(private readonly opts: PdhgOptions) {}

  newBatch(): void {
    this.cache.newBatch();
  }

  operator(A: Subspace, basis: Basis): PdhgOp {
    const { X, Xt } = this.opts.operator === 'basis' ? this.cache.get(A.id, () => paddedBasis(basis, A.n)) : this.cache.get(A.id, () => {
      // 1.01 × the power-iteration estimate (which approaches ||A||₂ from below) keeps η ||A|| < 1.
      const norm = 1.01 * spectralNorm(A);
      return { X: A.data.map((a) => a / norm), rows: A.m, cols: A.n };
    });
    return { A: X, At: Xt, n: A.n };
  }

  /** u⁰ = ū⁰ = 0, y⁰ = 0. */
  init(segs: readonly Segment<PdhgOp>[], B: tf.Tensor2D): State {
    const k = B.shape[0];
    const n = segs[0].op.n;
    const U = tf.zeros([k, n]) as tf.Tensor2D;
    return { B: tf.keep(B), U: tf.keep(U), Ubar: tf.keep(tf.zeros([k, n])), Y: tf.keep(tf.zerosLike(B)), AU: tf.keep(tf.zerosLike(B)) };
  }

  run(segs: readonly Segment<PdhgOp>[], state: State, steps: number) {
    this.eta ??= tf.keep(tf.scalar(this.opts.step));
    const eta = this.eta;
    const { B } = state;
    let { U, Ubar, Y, AU } = state;
    let primal: tf.Tensor1D | undefined;
    let dual: tf.Tensor1D | undefined;
    for (let s = 0; s < steps; s++) {
      const last = s === steps - 1;
      const next = tf.tidy(() => {
        const aub = bySegment(segs, Ubar, (x, op) => tf.matMul(x, op.At)); //   A ū   (rows)
        const y: tf.Tensor2D = tf.clipByValue(tf.add(Y, tf.mul(tf.sub(aub, B), eta)), -1, 1); // y⁺
        const g = bySegment(segs, y, (x, op) => tf.matMul(x, op.A)); //       Aᵀ y⁺ (rows)
        const u: tf.Tensor2D = tf.sub(U, tf.mul(g, eta)); //                  u⁺ = u − η Aᵀ y⁺
        const ubar: tf.Tensor2D = tf.sub(tf.add(u, u), U); //                 ū⁺ = 2u⁺ − u
        if (!last) return { U: u, Ubar: ubar, Y: y, AU };
        const au = bySegment(segs, u, (x, op) => tf.matMul(x, op.At) as tf.Tensor2D); // A u⁺ (residual, extraction)
        const p = tf.norm(tf.sub(au, AU), 'euclidean', 1) as tf.Tensor1D; // ||A(u⁺ − u)||: AU is A u at the last check
        const q = tf.norm(g, 'euclidean', 1) as tf.Tensor1D;
        return { U: u, Ubar: ubar, Y: y, AU: au, p, q };
      });
      tf.dispose([U, Ubar, Y]);
      if (next.AU !== AU) AU.dispose();
      ({ U, Ubar, Y, AU } = next);
      if ('p' in next) ({ p: primal, q: dual } = next);
    }
    return { state: { B, U, Ubar, Y, AU }, primal: primal!, dual: dual! };
  }

  extract(_segs: readonly Segment<PdhgOp>[], state: State) {
    return tf.tidy(() => ({
      delta: tf.clone(state.AU),
      ranking: tf.sub(state.B, state.AU) as tf.Tensor2D,
      dual: tf.neg(state.Y) as tf.Tensor2D,
    }));
  }

  dispose(): void {
    this.cache.dispose();
    this.eta?.dispose();
    this.eta = undefined;
  }
}

/** Q (m×r) padded with zero columns to m×n, so that every subspace of a batch has the same u width. */
function paddedBasis(basis: Basis, n: number) {
  const { m, r, Q } = basis;
  const X = new Float64Array(m * n);
  for (let i = 0; i < m; i++) X.set(Q.subarray(i * r, (i + 1) * r), i * n);
  return { X, rows: m, cols: n };
}

export function createPdhg(options: Partial<PdhgOptions> = {}): Solver {
  const opts = { ...PDHG_DEFAULTS, ...options };
  const method = new PdhgMethod(opts);
  return {
    name: 'pdhg',
    solve: (problems) => solveFirstOrder('pdhg', method, opts, opts.w0, problems),
    dispose: () => method.dispose(),
  };
}

export const pdhg = defineSolver('pdhg', 'batched primal–dual hybrid gradient (linearized ADMM): matmuls with A only', pdhgOptions, createPdhg);
