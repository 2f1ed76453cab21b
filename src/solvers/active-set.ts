/**
 * An exact solver specialised for l1 regression: descent over the vertices of the problem (the simplex method
 * of Barrodale–Roberts in its active-set form), in float64, on the orthonormal basis Q (m×r) of range(A):
 *
 *     minimise_v  f(v) = || b − Q v ||₁          delta = Q v
 *
 * A vertex is a set Z of r rows with Q_Z invertible and zero residual there: v = Q_Z⁻¹ b_Z. Its dual estimate
 * is y_i = sign(res_i) off Z (0 where res_i is numerically 0) and y_Z = −Q_Z⁻ᵀ Q_Zcᵀ sign(res_Zc), so Qᵀ y = 0.
 *
 *   - If ||y_Z||∞ ≤ 1 + certTol, y is a dual certificate (the one polish.ts checks): the vertex is optimal.
 *   - Else leaving row t ∈ Z with |y_t| > 1 along d = σ Q_Z⁻¹ e_t, σ = −sign(y_t), changes the residual by
 *     −τ w, w = Q d, and f has slope 1 − |y_t| + Σ_{zero rows off Z} |w_i| < 0 at τ = 0⁺ when the vertex is not
 *     degenerate. The exact minimum along the line is the weighted median of the breakpoints res_i / w_i
 *     (weights |w_i|), Barrodale–Roberts' multiple pivot: the row k where f stops decreasing replaces t in Z.
 *     Q_Z⁻¹ is updated by Sherman–Morrison and refactored every `refactorEvery` steps.
 *
 * Every step strictly decreases f, so no vertex repeats. At a degenerate vertex (more than r zero residuals: the
 * typical optimum when recovery succeeds on float64 data) no edge may descend even though the point is optimal;
 * then the certificate of polish.ts (least squares on the zero set, Douglas–Rachford for y) decides, and if it
 * fails b is perturbed by ≈10·zeroTol·||b||∞ (generic again), the descent goes on, and the final vertex is re-solved and
 * re-certified for the unperturbed b. A point no certificate proves optimal is handed to HiGHS (`fallback`,
 * default on) and the message says so; with `fallback: false` it is returned with status 'max_iterations' and
 * the message 'not certified'. Cost per step: one m×r product (the edge direction) plus O(m + r²).
 *
 * Start: the vertex made of the rows with the smallest residual after polishing the least-squares fit (which is
 * often already certified, ending the solve before any pivot), chosen greedily so that Q_Z is well conditioned.
 */
import * as z from 'zod';
import type { Shape } from '../schema/define.ts';
import { defineSolver } from './define.ts';
import { createHighs } from './highs.ts';
import { checkBatchShape, failedResult, invalidReason, l1Distance, matVec, maxAbs, orthonormalBasis, type Basis } from './linalg.ts';
import { polishPoint } from './polish.ts';
import { VertexAlgebra } from './vertex-inverse.ts';
import type { L1Problem, SolveResult, Solver } from './types.ts';

export const activeSetOptions = z.strictObject({
  maxIterations: z.int().min(1).default(20000).describe('most vertex steps per problem; a problem that reaches it goes to the fallback'),
  zeroTol: z.number().gt(0).default(1e-12).describe('|b_i − delta_i| ≤ zeroTol·||b||∞ counts as a zero residual (a degenerate vertex); near float64 rounding, since data rounded to float32 leaves true residuals of ≈1e-8 that must keep their signs'),
  certTol: z.number().gt(0).default(1e-9).describe('the vertex is optimal when its dual estimate has ||y||∞ ≤ 1 + certTol'),
  refactorEvery: z.int().min(1).default(64).describe('recompute Q_Z⁻¹ and the residual from scratch every this many steps (rounding control)'),
  fallback: z.boolean().default(true).describe('solve a problem no certificate proves optimal with HiGHS (else return it as not certified)'),
});

export type ActiveSetOptions = Shape<typeof activeSetOptions>;
export const ACTIVE_SET_DEFAULTS: ActiveSetOptions = activeSetOptions.parse({});

/** Outcome of the descent for one problem. */
export interface Descent {
  readonly delta: Float64Array;
  /** 'vertex': the vertex's own dual proves it; 'polish': polish's certificate does; 'stalled'/'cap': neither. */
  readonly proof: 'vertex' | 'polish' | 'stalled' | 'cap' | 'singular';
  readonly iterations: number;
}

export function createActiveSet(options: Partial<ActiveSetOptions> = {}): Solver {
  const opts = { ...ACTIVE_SET_DEFAULTS, ...options };
  let highs: Solver | undefined;
  return {
    name: 'active-set',
    async solve(problems: readonly L1Problem[]): Promise<SolveResult[]> {
      checkBatchShape(problems);
      const results: SolveResult[] = [];
      for (const [k, p] of problems.entries()) {
        const t0 = performance.now();
        const invalid = invalidReason(p, k);
        if (invalid) {
          results.push(failedResult(p.A.m, invalid));
          continue;
        }
        let out: Descent;
        try {
          out = descend(orthonormalBasis(p.A), p.b, opts);
        } catch (err) {
          results.push(failedResult(p.A.m, `problem ${k}: active-set threw: ${err instanceof Error ? err.message : String(err)}`, performance.now() - t0));
          continue;
        }
        const certified = out.proof === 'vertex' || out.proof === 'polish';
        if (certified || !opts.fallback) {
          const note = out.proof === 'polish' ? 'certified by the polish certificate' : certified ? undefined : `not certified (${out.proof})`;
          results.push({
            delta: out.delta,
            status: certified ? 'optimal' : 'max_iterations',
            ...(note ? { message: note } : {}),
            iterations: out.iterations,
            objective: l1Distance(p.b, out.delta),
            solveMs: performance.now() - t0,
          });
          continue;
        }
        highs ??= await createHighs();
        const [h] = await highs.solve([p]);
        const why = `active-set ${out.proof} after ${out.iterations} steps; solved by HiGHS`;
        results.push({ ...h, message: h.message ? `${why}: ${h.message}` : why, solveMs: performance.now() - t0 });
      }
      return results;
    },
  };
}

/** The vertex descent of the module comment, for one problem, in float64. */
export function descend(basis: Basis, b: Float64Array, opts: ActiveSetOptions = ACTIVE_SET_DEFAULTS): Descent {
  // Q and Q_Z⁻¹ live in the SIMD kernels' memory for the whole descent (vertex-inverse.ts).
  const algebra = new VertexAlgebra(basis.Q, basis.m, basis.r);
  try {
    return descendWith(basis, b, opts, algebra);
  } finally {
    algebra.release();
  }
}

function descendWith(basis: Basis, b: Float64Array, opts: ActiveSetOptions, algebra: VertexAlgebra): Descent {
  const { m, r, Q } = basis;
  const bScale = maxAbs(b);
  if (r === 0 || bScale === 0) return { delta: new Float64Array(m), proof: 'vertex', iterations: 0 };
  let tol = opts.zeroTol * bScale;

  // Start: polish the least-squares fit; a certified polish is the answer.
  const ls = matVec(Q, m, r, transposeTimes(Q, m, r, b));
  const start = polishPoint(basis, b, ls);
  if (start.certified) return { delta: start.delta, proof: 'polish', iterations: 0 };
  const Z = algebra.independentRows(rowsByScore(b.map((bi, i) => Math.abs(bi - start.delta[i])), m, 2 * r));
  if (!Z) return { delta: start.delta, proof: 'singular', iterations: 0 };

  const inZ = new Uint8Array(m);
  for (const i of Z) inZ[i] = 1;
  if (!algebra.invert(Z)) return { delta: start.delta, proof: 'singular', iterations: 0 };
  const { rs } = algebra; // the row stride of M = algebra.inverse()
  // The descent runs on `target`: b itself, or b perturbed after a degenerate vertex (see below); `rounds` counts
  // the perturbations, each with its own pattern.
  const target = Float64Array.from(b);
  let perturbed = false;
  let rounds = 0;
  const retarget = (perturbation: boolean): void => {
    target.set(b);
    if (perturbation) {
      // Near-zero residuals that are not zero (order statistics of float32 rounding noise reach 1e-12 of ||b||∞
      // at m ≈ 2,000) made the vertex look degenerate: each round also looks ten times closer.
      if (rounds > 0) tol = Math.max(tol / 10, MIN_ZERO_TOL * bScale);
      perturb(target, ++rounds, 10 * tol);
    }
    perturbed = perturbation;
    refresh(); // rows of Z follow the new target
    signsStale = true;
  };
  let v: Float64Array = new Float64Array(r);
  const res = new Float64Array(m);
  const refresh = (): void => {
    v = mulRows(algebra.inverse(), r, rs, Z, target);
    const qv = algebra.times(v);
    for (let i = 0; i < m; i++) res[i] = inZ[i] ? 0 : target[i] - qv[i];
  };
  refresh();

  const y = new Float64Array(r);
  // sign(res) off Z (0 on Z and where |res| ≤ tol) and c = Σ sign_i q_i live in the algebra: brought up to date
  // by each step's pass over the residual, and from scratch after a refresh.
  let signsStale = true;
  const w = new Float64Array(m);
  const d = new Float64Array(r);
  const order: number[] = [];
  // The step along the edge that takes row t out of Z, if f decreases along it (w is left as its direction).
  const tryEdge = (t: number): { t: number; k: number; tau: number; sigma: number } | undefined => {
    const sigma = y[t] > 0 ? -1 : 1;
    const M = algebra.inverse();
    for (let a = 0; a < r; a++) d[a] = sigma * M[a * rs + t];
    algebra.edge(d, w);
    const found = lineSearch(algebra, res, Z, tol, 1 - Math.abs(y[t]));
    return found && { t, k: found.k, tau: found.tau, sigma };
  };
  // The answer at the current vertex for the unperturbed b, proved optimal by its own dual or by polish's; undefined
  // when neither proves it (the descent then goes on, for b itself).
  const finish = (iter: number): Descent | undefined => {
    if (perturbed) {
      const exact = mulRows(algebra.inverse(), r, rs, Z, b);
      const qv = algebra.times(exact);
      const resB = b.map((bi, i) => (inZ[i] ? 0 : bi - qv[i]));
      // Rows that are zero for b may take the sign they had in the perturbed problem (|y_i| ≤ 1 is all they need).
      const signs = resB.map((x, i) => (Math.abs(x) > tol ? x : res[i]));
      if (vertexDual(Q, r, algebra, signs, inZ, 0, y) <= 1 + opts.certTol) return { delta: qv, proof: 'vertex', iterations: iter };
      const p = polishPoint(basis, b, qv);
      if (p.certified) return { delta: p.delta, proof: 'polish', iterations: iter };
      return rounds < MAX_ROUNDS ? undefined : { delta: qv, proof: 'stalled', iterations: iter };
    }
    return { delta: algebra.times(v), proof: 'vertex', iterations: iter };
  };
  for (let iter = 0; iter < opts.maxIterations; iter++) {
    if (iter > 0 && iter % opts.refactorEvery === 0) {
      if (!algebra.invert(Z)) return { delta: algebra.times(v), proof: 'singular', iterations: iter };
      refresh();
      signsStale = true;
    }
    if (signsStale) algebra.resign(res, inZ, tol);
    signsStale = false;
    const worst = algebra.dual(y);
    if (worst <= 1 + opts.certTol) {
      const answer = finish(iter);
      if (answer) return answer;
      retarget(false); // optimal for the perturbed target only: descend on for b from here
      continue;
    }

    // Leave by the row of Z whose dual is most out of the box; by the next ones only when its edge does not descend.
    const first = mostViolated(y, 1 + opts.certTol);
    let step = tryEdge(first);
    if (!step) for (const t of othersByViolation(y, 1 + opts.certTol, first, order)) if ((step = tryEdge(t))) break;
    if (!step) {
      // Degenerate vertex (more zero residuals than r): no edge descends. Often it is the optimum, which
      // polish's certificate proves; if not, perturb b (generic again) and go on descending.
      const delta = algebra.times(v);
      if (!perturbed) {
        const p = polishPoint(basis, b, delta);
        if (p.certified) return { delta: p.delta, proof: 'polish', iterations: iter };
      }
      if (rounds >= MAX_ROUNDS) return { delta, proof: 'stalled', iterations: iter };
      retarget(true);
      continue;
    }
    const { t, k, tau, sigma } = step;
    for (let a = 0; a < r; a++) v[a] += tau * d[a]; // d and w: the successful tryEdge's direction
    // Row Z[t] leaves (its residual is now −τσ), row k enters (residual exactly 0); the others move by −τ w.
    const leaving = Z[t];
    res[leaving] = -tau * sigma;
    inZ[leaving] = 0;
    res[k] = 0;
    inZ[k] = 1;
    Z[t] = k;
    algebra.advance(res, inZ, tau, leaving, tol);
    algebra.replace(k, t, sigma * w[k]);
  }
  return { delta: algebra.times(v), proof: 'cap', iterations: opts.maxIterations };
}

/** The row t of Z with the largest |y_t| (the first of equals); the caller knows one exceeds `limit`. */
function mostViolated(y: Float64Array, limit: number): number {
  let first = -1;
  for (let t = 0; t < y.length; t++) if (Math.abs(y[t]) > limit && (first < 0 || Math.abs(y[t]) > Math.abs(y[first]))) first = t;
  return first;
}

/** The other rows of Z whose dual is out of the box (|y_t| > limit), most violated first (ties by t), in `order`. */
function othersByViolation(y: Float64Array, limit: number, first: number, order: number[]): number[] {
  order.length = 0;
  for (let t = 0; t < y.length; t++) if (t !== first && Math.abs(y[t]) > limit) order.push(t);
  return order.sort((p, q) => Math.abs(y[q]) - Math.abs(y[p]));
}

/**
 * The vertex's dual estimate into `y` (y_Z = −M ᵀ Q_Zcᵀ sign(res_Zc), sign 0 where |res| ≤ tol), and ||y_Z||∞.
 * M = Q_Z⁻¹; column t of M belongs to the t-th row of Z.
 */
function vertexDual(Q: Float64Array, r: number, algebra: VertexAlgebra, res: ArrayLike<number>, inZ: Uint8Array, tol: number, y: Float64Array): number {
  const c = new Float64Array(r);
  for (let i = 0; i < res.length; i++) {
    if (inZ[i] || Math.abs(res[i]) <= tol) continue;
    const s = res[i] > 0 ? 1 : -1;
    const base = i * r;
    for (let a = 0; a < r; a++) c[a] += s * Q[base + a];
  }
  return algebra.dualOf(c, y);
}

/**
 * Make the problem generic again: every row of the target gets a deterministic pseudo-random shift of size
 * ≈ `size` = 10 × the zero tolerance, a different pattern each round. All rows, not only the zero ones: exact linear
 * dependencies between rows of a structured A would otherwise make later vertices degenerate again. The answer
 * is always re-derived and re-certified for the unperturbed b, so the shift must stay below the residuals whose
 * signs decide optimality: float32-rounded data leave some at 1e-11–1e-10 of ||b||∞, and a shift of 1e-9 (this
 * solver's first choice) flipped them, leaving 17 of compare-solvers' 850 problems without a certificate for b.
 */
function perturb(target: Float64Array, round: number, size: number): void {
  for (let i = 0; i < target.length; i++) {
    const u = Math.sin(12.9898 * (i + 1) + 78.233 * (round - 1)) * 43758.5453;
    const frac = u - Math.floor(u);
    target[i] += size * (0.5 + frac) * (frac < 0.5 ? -1 : 1);
  }
}

/**
 * Perturbations per descent. A perturbed descent can end at a vertex that is optimal for its target but not for b
 * (a residual smaller than the shift changed sign), or at another degenerate vertex; the descent then goes on, for
 * b or with a new pattern. At m = 2,016 (synthetic-sweep's widest cell) one round left 29 of 1,640 problems
 * without a certificate.
 */
const MAX_ROUNDS = 4;
/** The smallest zero tolerance a round may use: float64 rounding of a residual at r = 2,000 is ≈ 1e-13 of ||b||∞. */
const MIN_ZERO_TOL = 1e-14;

/**
 * Exact line search of f(τ) = Σ |res_i − τ w_i| for τ > 0 along the last edge w (algebra.edge), from the slope at 0⁺
 * (`slope0` holds the part of rows in Z and those with nonzero residual; the breakpoints kernel adds the rest).
 * Returns the row k whose breakpoint ends the descent and τ there, or undefined when f does not decrease.
 */
function lineSearch(algebra: VertexAlgebra, res: Float64Array, Z: Int32Array, tol: number, slope0: number) {
  // slope0 = 1 − |y_t| covers the leaving row and the nonzero rows; zero rows off Z add |w_i| (degenerate).
  const found = algebra.breakpoints(res, Z, tol, slope0);
  if (found.slope >= -1e-12) return undefined;
  const j = algebra.firstReaching(found.count, -found.slope, found.total);
  return j < 0 ? undefined : { k: found.rows[j], tau: found.taus[j] }; // j < 0 cannot happen for a full-rank Q
}

/** Qᵀ x for row-major Q (m×r). */
function transposeTimes(Q: Float64Array, m: number, r: number, x: Float64Array): Float64Array {
  const out = new Float64Array(r);
  for (let i = 0; i < m; i++) {
    const xi = x[i];
    const base = i * r;
    for (let a = 0; a < r; a++) out[a] += xi * Q[base + a];
  }
  return out;
}

/** M b_Z: v with Q_Z v = b_Z (M's rows rs apart). */
function mulRows(M: Float64Array, r: number, rs: number, Z: Int32Array, b: Float64Array): Float64Array {
  const v = new Float64Array(r);
  for (let a = 0; a < r; a++) {
    let s = 0;
    for (let t = 0; t < r; t++) s += M[a * rs + t] * b[Z[t]];
    v[a] = s;
  }
  return v;
}

/**
 * Row indices in order of increasing score (ties by index). The first `first` come from a sort of only the rows at
 * or below the first-th smallest score (the start rarely looks further); the rest, if asked for, from a full sort.
 */
function* rowsByScore(score: Float64Array, m: number, first: number): Generator<number> {
  const byScore = (p: number, q: number): number => score[p] - score[q] || p - q;
  if (first < m) {
    const cut = Float64Array.from(score).sort()[first - 1];
    const head = Int32Array.from({ length: m }, (_, i) => i)
      .filter((i) => score[i] <= cut)
      .sort(byScore);
    yield* head;
    if (head.length === m) return;
    const taken = new Uint8Array(m);
    for (const i of head) taken[i] = 1;
    yield* Int32Array.from({ length: m }, (_, i) => i)
      .filter((i) => !taken[i])
      .sort(byScore);
    return;
  }
  yield* Int32Array.from({ length: m }, (_, i) => i).sort(byScore);
}

export const activeSet = defineSolver(
  'active-set',
  'exact l1 regression by vertex descent (Barrodale–Roberts line search, float64), certified by its dual; HiGHS when no certificate is found',
  activeSetOptions,
  createActiveSet,
);
