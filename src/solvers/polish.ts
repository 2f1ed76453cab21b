/**
 * Polish: turn an approximate l1 solution into an exact one, and prove it optimal when possible.
 *
 * At the l1 optimum of a recoverable problem the residual b − delta is exactly zero on a kept set S (the clean
 * coordinates) and the optimum is the least-squares fit of b on A restricted to S. A first-order solver gets
 * S right long before its iterates are accurate, so we
 *
 *   1. pick S from the residual distribution (rule below),
 *   2. solve least squares on S in float64:  delta_p = Q v,  v = argmin ||b_S − Q_S v||₂   (Q: orthonormal basis
 *      of range(A), so Q_Sᵀ Q_S is well conditioned whenever S spans),
 *   3. if the fit is exact on S (|b_i − delta_p,i| ≤ zeroTol·||b||∞ for i ∈ S) look for a dual certificate:
 *      a y with y_i = sign(b_i − delta_p,i) off S, |y_i| ≤ 1 on S and Aᵀ y = 0. Weak duality then gives, for any u,
 *          ||b − A u||₁ ≥ yᵀ(b − A u)/||y||∞ = yᵀ b/||y||∞ = ||b − delta_p||₁/||y||∞,
 *      so delta_p is optimal up to the factor ||y||∞ ≤ 1 + certTol ("certified");
 *   4. otherwise refit: drop from S the coordinates whose polished residual is ≥ trim × the largest one on S
 *      (they are the contaminated coordinates the first-order solution had absorbed) and go to 2.
 *
 * Kept-set rule (step 1): with a = |residual| sorted ascending and r = rank(A),
 *   - if at least r coordinates are numerically zero (≤ zeroTol·||b||∞), S = those;
 *   - else S = the j smallest, j = the first index ≥ r at which a jumps by the factor gapRatio (a_j ≥ γ a_{j−1});
 *     when there is no such jump, the largest jump.
 *
 * The certificate's y on S is found by Douglas–Rachford splitting between the box |y| ≤ 1 and the affine set
 * {Q_Sᵀ y_S = −Q_Scᵀ y_Sc} (see certify()), started from the solver's dual estimate when it has one, then from 0.
 *
 * The polished point is accepted when it is certified or its l1 objective is not larger than the input's.
 */
import * as z from 'zod';
import {
  cholesky,
  cholSolveMany,
  dot,
  panelGram,
  cholSolve,
  l1Distance,
  matVec,
  maxAbs,
  orthonormalBasis,
  rowsTVec,
  subsetGram,
  type Basis,
} from './linalg.ts';
import { rowProducts } from './row-products.ts';
import type { L1Problem, SolveResult, Solver } from './types.ts';

export const polishOptions = z.strictObject({
  zeroTol: z.number().gt(0).default(1e-10).describe('|b_i − delta_i| ≤ zeroTol·||b||∞ counts as an exact fit'),
  gapRatio: z.number().gt(1).default(10).describe('γ of the kept-set rule: the first jump of the sorted |residual| by this factor ends the kept set'),
  trim: z.number().gt(0).max(1).default(0.1).describe('θ of the refit: drop kept coordinates with residual ≥ θ × the largest kept residual'),
  maxRefits: z.int().min(1).default(4).describe('most kept sets tried per polish (the first plus refits)'),
  certTol: z.number().gt(0).default(1e-6).describe('accept a dual certificate with ||y||∞ ≤ 1 + certTol (relative optimality gap ≤ certTol)'),
  projections: z.int().min(1).default(150).describe('most Douglas–Rachford steps (one affine projection each) per certificate start'),
});

/** Polish options as a caller gives them: any subset, the rest at their defaults. */
export type PolishOptions = z.input<typeof polishOptions>;
export const POLISH_DEFAULTS: Required<PolishOptions> = polishOptions.parse({});

export interface PolishOutcome {
  /** The accepted point: the polished one, or the input delta when polishing did not help. */
  readonly delta: Float64Array;
  readonly objective: number;
  /** The polished point was accepted. */
  readonly accepted: boolean;
  /** A dual certificate proves `delta` l1-optimal (up to certTol). */
  readonly certified: boolean;
  /** Size of the final kept set. */
  readonly kept: number;
  /** Least-squares solves used. */
  readonly solves: number;
  /** The factor of the last kept set fitted, for a later polish of the same problem (hints.previous). */
  readonly factor?: KeptSetFactor;
}

export interface PolishHints {
  /** Residual estimate to rank coordinates by (default b − delta); e.g. ADMM's sparse residual variable. */
  readonly ranking?: ArrayLike<number>;
  /** Dual estimate with the sign convention y ≈ sign(b − delta) on the support (starts the certificate search). */
  readonly dual?: ArrayLike<number>;
  /**
   * The factor an earlier polish of the same problem (same basis) ended with: a kept set that differs from its set
   * in few rows is then solved by a low-rank update of it instead of a new Gram matrix and Cholesky factor (a
   * first-order solver's successive certification attempts keep nearly the same set).
   */
  readonly previous?: KeptSetFactor;
}

/** Polish `delta` for the problem (Q, b). Pure float64 JS; see the module comment for the algorithm. */
export function polishPoint(
  basis: Basis,
  b: Float64Array,
  delta: Float64Array,
  opts: PolishOptions = {},
  hints: PolishHints = {},
): PolishOutcome {
  const o = { ...POLISH_DEFAULTS, ...opts };
  const { m, r, Q } = basis;
  const inputObjective = l1Distance(b, delta);
  const rejected = (kept: number, solves: number): PolishOutcome =>
    ({ delta, objective: inputObjective, accepted: false, certified: false, kept, solves });
  const bScale = maxAbs(b);
  if (r === 0 || bScale === 0) {
    // Nothing to fit: delta = 0 is the only point of range(A) (r = 0), or b = 0 makes delta = 0 optimal.
    const zero = new Float64Array(m);
    return { delta: zero, objective: l1Distance(b, zero), accepted: true, certified: true, kept: m, solves: 0 };
  }
  const tol = o.zeroTol * bScale;
  const ranking = hints.ranking ?? residualOf(b, delta);
  let S = keptSet(ranking, r, tol, o.gapRatio);
  let best: PolishOutcome | undefined;
  let previous: KeptSetFactor | undefined = hints.previous;
  let solves = 0;
  for (let refit = 0; refit < o.maxRefits && S.length >= r; refit++) {
    // 2. least squares on S
    let fit: Fit | undefined = fitOn(basis, b, S, previous);
    solves++;
    if (!fit) break;
    previous = fit;
    const exact = maxAbsOn(fit.residual, S) <= tol;
    if (exact) {
      // Extend S to every coordinate the fit matches exactly (the certificate needs r_i ≠ 0 off S).
      const Z = zeroSet(fit.residual, tol);
      if (Z.length > S.length) {
        S = Z;
        fit = fitOn(basis, b, S, fit) ?? fit;
        solves++;
      }
      // 3. dual certificate
      const certified = certify(basis, S, fit, o, hints.dual);
      const objective = l1Distance(b, fit.delta);
      if (certified || objective <= (best?.objective ?? inputObjective)) {
        best = { delta: fit.delta, objective, accepted: true, certified, kept: S.length, solves };
      }
      break; // an exact fit on S is the answer for this kept set; refitting cannot change it
    }
    const objective = l1Distance(b, fit.delta);
    if (objective <= (best?.objective ?? inputObjective)) {
      best = { delta: fit.delta, objective, accepted: true, certified: false, kept: S.length, solves };
    }
    // 4. refit without the coordinates the fit could not match
    S = trimmed(S, fit.residual, o.trim);
  }
  const factor = previous && factorOf(previous);
  return best ? { ...best, solves, factor } : { ...rejected(S.length, solves), factor };
}

/**
 * Step 1: the kept set (row indices) from the sorted residual magnitudes.
 * `tol` is the absolute zero tolerance (zeroTol·||b||∞), r the rank of A.
 */
export function keptSet(residual: ArrayLike<number>, r: number, tol: number, gapRatio: number): Int32Array {
  const m = residual.length;
  const a = new Float64Array(m);
  let zeros = 0;
  for (let i = 0; i < m; i++) {
    a[i] = Math.abs(residual[i]);
    if (a[i] <= tol) zeros++;
  }
  if (zeros >= r) return indicesWhere(a, (x) => x <= tol, zeros);
  // The sorted magnitudes (a native numeric sort: a comparator over indices costs ≈ 5× more), then the cut.
  const sorted = a.slice().sort();
  const tiny = 1e-300 + 1e-15 * sorted[m - 1];
  let first = -1;
  let largest = r;
  let largestRatio = 0;
  for (let j = Math.max(r, 1); j < m; j++) {
    const ratio = (sorted[j] + tiny) / (sorted[j - 1] + tiny);
    if (ratio >= gapRatio) {
      first = j;
      break;
    }
    if (ratio > largestRatio) {
      largestRatio = ratio;
      largest = j;
    }
  }
  const count = first >= 0 ? first : m > r ? largest : m;
  if (count === 0) return new Int32Array(0);
  // The `count` smallest, in index order; of several equal to the largest kept value, the first ones.
  const edge = sorted[count - 1];
  let below = 0;
  for (let i = 0; i < m; i++) if (a[i] < edge) below++;
  let ties = count - below;
  return indicesWhere(a, (x) => x < edge || (x === edge && ties-- > 0), count);
}

/** The indices i with keep(a[i]), in increasing order (at most `size` of them). */
function indicesWhere(a: Float64Array, keep: (x: number) => boolean, size: number): Int32Array {
  const out = new Int32Array(size);
  let t = 0;
  for (let i = 0; i < a.length && t < size; i++) if (keep(a[i])) out[t++] = i;
  return t === size ? out : out.slice(0, t);
}

/** Solves with an r×r matrix: one vector, or `count` vectors stored one after another. */
interface GramSolver {
  readonly solve: (x: Float64Array) => void;
  readonly solveMany: (X: Float64Array, count: number) => void;
  /** Multiply-adds of one `solve`. */
  readonly solveCost: number;
}

/** A way to solve with Q_Sᵀ Q_S for a kept set S of one problem's basis. */
export interface KeptSetFactor extends GramSolver {
  readonly inS: Uint8Array;
  /** Q_Sᵀ Q_S when it was formed (the next fit may update it), undefined after a Woodbury fit. */
  readonly G: Float64Array | undefined;
}

/** The factor alone: a caller that keeps it for a later polish does not keep the fit's m-vectors too. */
function factorOf({ inS, G, solve, solveMany, solveCost }: KeptSetFactor): KeptSetFactor {
  return { inS, G, solve, solveMany, solveCost };
}

/** A least-squares fit on a kept set S, with its factor. */
interface Fit extends KeptSetFactor {
  readonly delta: Float64Array;
  readonly residual: Float64Array;
  readonly S: Int32Array;
}

/**
 * delta = Q v with (Q_Sᵀ Q_S) v = Q_Sᵀ b_S. Undefined when Q_S does not have full column rank. Three ways to solve
 * with Q_Sᵀ Q_S = I − UᵀU (U = Q_Sc, the k = m − |S| rows left out), whichever costs fewer multiply-adds:
 *   - its Cholesky factor (r³/6), the Gram matrix formed from min(|S|, k) rows (·r²/2) or, with `prev` (a fit on a
 *     nearby set), updated by the Gram matrices of the rows that entered and left (·r²/2);
 *   - Woodbury, (I − UᵀU)⁻¹ = I + Uᵀ (I_k − U Uᵀ)⁻¹ U: a k×k Gram (k²r/2) and its Cholesky factor (k³/6). When few
 *     coordinates are left out (k < r: a recoverable problem at large n/m) this is several times cheaper.
 *   - with `prev`, a low-rank update of the previous fit's solver by the c rows that entered or left (c solves
 *     with it, c²r, c³/3; see lowRankUpdate), followed by one step of iterative refinement.
 * The first two matrices have the same nonzero spectrum 1 − σ²(U), so both fail (undefined) on the same rank
 * deficiency; the update fails when its capacitance matrix is singular, i.e. on the same deficiency.
 */
function fitOn(basis: Basis, b: Float64Array, S: Int32Array, prev?: KeptSetFactor): Fit | undefined {
  const { m, r, Q } = basis;
  const inS = new Uint8Array(m);
  for (const i of S) inS[i] = 1;
  const k = m - S.length;
  const changed = prev ? changedRowList(prev.inS, inS) : undefined;
  const changes = prev?.G ? changed!.length : Infinity;
  // Multiply-adds, those of tiled products (row-products.ts: Gram matrices, the blocked Cholesky) weighted by
  // 1/TILED, the speed-up of their kernel over plain loops.
  const gramCost = (Math.min(changes, S.length, k) * r * r) / 2 / TILED + (r * r * r) / 6 / TILED;
  const woodburyCost = (k * k * r) / 2 / TILED + (k * k * k) / 6 / TILED;
  const c = changed?.length ?? Infinity;
  const updateCost = prev ? c * prev.solveCost + c * c * r + (c * c * c) / 3 : Infinity;
  const update = updateCost < Math.min(gramCost, woodburyCost);
  let G: Float64Array | undefined;
  let solver: GramSolver | undefined;
  if (update) {
    solver = lowRankUpdate(Q, r, prev!, changed!, inS);
  } else if (woodburyCost < gramCost) {
    solver = woodbury(Q, m, r, inS, k);
  } else {
    G = (changes < Math.min(S.length, k) ? updatedGram(Q, r, prev!, changed!, inS) : undefined) ?? subsetGram(Q, m, r, S, inS);
    const L = Float64Array.from(G);
    if (cholesky(L, r)) solver = { solve: (x) => cholSolve(L, r, x), solveMany: (X, count) => cholSolveMany(L, r, X, count), solveCost: r * r };
  }
  if (!solver) return undefined;
  const v = rowsTVec(Q, r, S, b);
  solver.solve(v);
  // An updated solver carries the rounding of each update: one step of iterative refinement on the normal
  // equations, with the residual formed from Q itself, makes the fit as exact as a fresh factorisation.
  if (update) refine(Q, r, S, b, v, solver.solve);
  const delta = matVec(Q, m, r, v);
  const residual = new Float64Array(m);
  for (let i = 0; i < m; i++) residual[i] = b[i] - delta[i];
  return { delta, residual, S, inS, G, ...solver };
}

/** v ← v + (Q_Sᵀ Q_S)⁻¹ Q_Sᵀ (b_S − Q_S v), with the approximate solver `solve`. */
function refine(Q: Float64Array, r: number, S: Int32Array, b: Float64Array, v: Float64Array, solve: (x: Float64Array) => void): void {
  const residual = new Float64Array(b.length);
  for (const i of S) residual[i] = b[i] - dot(Q, i * r, v, 0, r);
  const g = rowsTVec(Q, r, S, residual);
  solve(g);
  for (let a = 0; a < r; a++) v[a] += g[a];
}

/**
 * The solver for Q_Sᵀ Q_S from the previous fit's, when few rows changed: Q_Sᵀ Q_S = G' + Uᵀ C U with U the c
 * changed rows of Q and C = diag(+1 entered, −1 left), so by Woodbury
 *
 *   (G' + Uᵀ C U)⁻¹ x = G'⁻¹ x − Z (C + U Z)⁻¹ U G'⁻¹ x,   Z = G'⁻¹ Uᵀ  (c solves with the previous solver).
 *
 * A refit after trimming a few coordinates then costs c solves instead of a Gram matrix and its Cholesky factor
 * (at r = 2,000, ≈ 0.1 s instead of ≈ 1 s). The c×c capacitance matrix C + U Z is symmetric but indefinite when
 * rows left: LU with partial pivoting. Undefined when it is singular (Q_S rank deficient).
 */
function lowRankUpdate(Q: Float64Array, r: number, prev: KeptSetFactor, changed: Int32Array, inS: Uint8Array) {
  const c = changed.length;
  if (c === 0) return { solve: prev.solve, solveMany: prev.solveMany, solveCost: prev.solveCost };
  const Z = new Float64Array(c * r); // row a: G'⁻¹ q_a
  for (let a = 0; a < c; a++) Z.set(Q.subarray(changed[a] * r, (changed[a] + 1) * r), a * r);
  prev.solveMany(Z, c);
  const K = new Float64Array(c * c);
  for (let a = 0; a < c; a++) {
    for (let d = 0; d < c; d++) K[a * c + d] = dot(Q, changed[a] * r, Z, d * r, r);
    K[a * c + a] += inS[changed[a]] ? 1 : -1;
  }
  const pivots = luFactor(K, c);
  if (!pivots) return undefined;
  const w = new Float64Array(c);
  // x ← x − Z (C + U Z)⁻¹ U x, for x = G'⁻¹ x₀ already applied.
  const correct = (x: Float64Array): void => {
    for (let a = 0; a < c; a++) w[a] = dot(Q, changed[a] * r, x, 0, r);
    luSolve(K, c, pivots, w);
    for (let d = 0; d < c; d++) {
      const t = w[d];
      const o = d * r;
      for (let a = 0; a < r; a++) x[a] -= t * Z[o + a];
    }
  };
  const solve = (x: Float64Array): void => {
    prev.solve(x);
    correct(x);
  };
  const solveMany = (X: Float64Array, count: number): void => {
    prev.solveMany(X, count);
    for (let a = 0; a < count; a++) correct(X.subarray(a * r, (a + 1) * r));
  };
  return { solve, solveMany, solveCost: prev.solveCost + 2 * c * r + c * c };
}

/** In-place LU with partial pivoting of a c×c matrix; the row order, or undefined when a pivot vanishes. */
function luFactor(K: Float64Array, c: number): Int32Array | undefined {
  const piv = Int32Array.from({ length: c }, (_, i) => i);
  for (let j = 0; j < c; j++) {
    let p = j;
    for (let i = j + 1; i < c; i++) if (Math.abs(K[i * c + j]) > Math.abs(K[p * c + j])) p = i;
    if (!(Math.abs(K[p * c + j]) > 1e-14)) return undefined;
    if (p !== j) {
      for (let t = 0; t < c; t++) [K[j * c + t], K[p * c + t]] = [K[p * c + t], K[j * c + t]];
      [piv[j], piv[p]] = [piv[p], piv[j]];
    }
    const d = K[j * c + j];
    for (let i = j + 1; i < c; i++) {
      const f = (K[i * c + j] /= d);
      if (f !== 0) for (let t = j + 1; t < c; t++) K[i * c + t] -= f * K[j * c + t];
    }
  }
  return piv;
}

/** Solves K x = w in place with the factors of luFactor. */
function luSolve(K: Float64Array, c: number, piv: Int32Array, w: Float64Array): void {
  const x = Float64Array.from(piv, (i) => w[i]);
  for (let i = 0; i < c; i++) for (let t = 0; t < i; t++) x[i] -= K[i * c + t] * x[t];
  for (let i = c - 1; i >= 0; i--) {
    for (let t = i + 1; t < c; t++) x[i] -= K[i * c + t] * x[t];
    x[i] /= K[i * c + i];
  }
  w.set(x);
}

/** solveMany from solve, one vector after another. */
function oneByOne(solve: (x: Float64Array) => void, r: number): GramSolver['solveMany'] {
  return (X, count) => {
    for (let a = 0; a < count; a++) solve(X.subarray(a * r, (a + 1) * r));
  };
}

/**
 * Speed-up of the tiled kernel over one dot product per entry, as measured for the scalar JS tiles (≈ 1.9 against
 * 0.8 G multiply-adds/s, one thread). The SIMD kernel that replaced them runs at ≈ 9 (≈ 11×); the weight is kept
 * so that polish chooses the same solve paths, and gives the same results, as before it.
 */
const TILED = 2.5;

/** Rows in exactly one of the two sets, in increasing order. */
function changedRowList(a: Uint8Array, b: Uint8Array): Int32Array {
  const out: number[] = [];
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) out.push(i);
  return Int32Array.from(out);
}

/**
 * The solver x ← (I − UᵀU)⁻¹ x = x + Uᵀ W⁻¹ U x with W = I_k − U Uᵀ, U the rows of Q outside S (row-major, so every
 * entry of W is one contiguous dot product). Undefined when W is not positive definite (Q_S rank deficient).
 */
function woodbury(Q: Float64Array, m: number, r: number, inS: Uint8Array, k: number) {
  const out = new Int32Array(k);
  for (let i = 0, t = 0; i < m; i++) if (!inS[i]) out[t++] = i;
  const rows = Int32Array.from(out, (i) => i * r);
  const W = rowProducts(Q, rows, Q, rows, r, 'symmetric');
  for (let t = 0; t < k * k; t++) W[t] = -W[t];
  for (let p = 0; p < k; p++) W[p * k + p] += 1;
  if (!cholesky(W, k)) return undefined;
  const u = new Float64Array(k);
  const solve = (x: Float64Array): void => {
    for (let p = 0; p < k; p++) {
      const bp = out[p] * r;
      let s = 0;
      for (let a = 0; a < r; a++) s += Q[bp + a] * x[a];
      u[p] = s;
    }
    cholSolve(W, k, u);
    for (let p = 0; p < k; p++) {
      const bp = out[p] * r;
      const up = u[p];
      for (let a = 0; a < r; a++) x[a] += Q[bp + a] * up;
    }
  };
  return { solve, solveMany: oneByOne(solve, r), solveCost: 2 * k * r + k * k };
}

/**
 * Q_Sᵀ Q_S from the previous fit's Gram: + the Gram matrix of the changed rows that entered S, − that of those
 * that left (two tiled products; see fitOn for when this is the cheaper way).
 */
function updatedGram(Q: Float64Array, r: number, prev: KeptSetFactor, changed: Int32Array, inS: Uint8Array): Float64Array | undefined {
  if (!prev.G) return undefined;
  const plus = panelGram(Q, r, changed.filter((i) => inS[i]));
  const minus = panelGram(Q, r, changed.filter((i) => !inS[i]));
  return prev.G.map((g, t) => g + plus[t] - minus[t]);
}

/**
 * Step 3: look for y with y_Sc = sign(residual_Sc), |y_S| ≤ 1 + certTol and Qᵀ y = 0. On S this is the intersection
 * of the box B = [−1, 1]^|S| and the affine set 𝒜 = {Q_Sᵀ y_S = −c}, c = Q_Scᵀ sign(residual_Sc), found by
 * Douglas–Rachford splitting (much faster than alternating projections when the intersection is thin, as it is
 * near the phase transition):
 *
 *     p = clip(x, −1, 1);   a = P_𝒜(2p − x);   x ← x + a − p,     P_𝒜(y) = y − Q_S (Q_Sᵀ Q_S)^{-1} (Q_Sᵀ y + c)
 *
 * and a ∈ 𝒜 is accepted as soon as max|a| ≤ 1 + certTol. Started from the solver's dual estimate (clipped), else
 * from 0; abandoned after `projections` steps or when the best excess max|a| − 1 has not improved by 10% in the
 * last 40 steps (no certificate exists, or it is out of reach).
 */
function certify(basis: Basis, S: Int32Array, fit: Fit, o: Required<PolishOptions>, dual?: ArrayLike<number>): boolean {
  const { m, r, Q } = basis;
  const sign = new Float64Array(m);
  const Sc: number[] = [];
  for (let i = 0; i < m; i++) {
    if (!fit.inS[i]) {
      sign[i] = Math.sign(fit.residual[i]);
      Sc.push(i);
    }
  }
  const c = rowsTVec(Q, r, Sc, sign);
  const affine = (y: Float64Array): void => {
    // y ← P_𝒜(y) on the entries of S
    const x = rowsTVec(Q, r, S, y);
    for (let a = 0; a < r; a++) x[a] += c[a];
    fit.solve(x);
    for (const i of S) {
      let s = 0;
      const base = i * r;
      for (let a = 0; a < r; a++) s += Q[base + a] * x[a];
      y[i] -= s;
    }
  };
  const x = new Float64Array(m); // DR variable; only entries in S are used
  if (dual) for (const i of S) x[i] = Math.max(-1, Math.min(1, dual[i]));
  const best: number[] = [];
  const y = new Float64Array(m);
  // With |S| = r the affine set is a single point: one projection decides.
  const steps = S.length > r ? o.projections : 1;
  for (let p = 0; p < steps; p++) {
    for (const i of S) y[i] = 2 * Math.max(-1, Math.min(1, x[i])) - x[i]; //   2 clip(x) − x
    affine(y); //                                                          a = P_𝒜(2p − x)
    let worst = 0;
    for (const i of S) {
      worst = Math.max(worst, Math.abs(y[i]));
      x[i] += y[i] - Math.max(-1, Math.min(1, x[i])); //                    x ← x + a − p
    }
    if (worst <= 1 + o.certTol) return true;
    best.push(Math.min(worst - 1, best[p - 1] ?? Infinity));
    if (p >= 40 && best[p] > 0.9 * best[p - 40]) break;
  }
  return false;
}

function residualOf(b: Float64Array, delta: Float64Array): Float64Array {
  const out = new Float64Array(b.length);
  for (let i = 0; i < b.length; i++) out[i] = b[i] - delta[i];
  return out;
}

function maxAbsOn(x: Float64Array, S: Int32Array): number {
  let s = 0;
  for (const i of S) s = Math.max(s, Math.abs(x[i]));
  return s;
}

function zeroSet(residual: Float64Array, tol: number): Int32Array {
  const out: number[] = [];
  for (let i = 0; i < residual.length; i++) if (Math.abs(residual[i]) <= tol) out.push(i);
  return Int32Array.from(out);
}

function trimmed(S: Int32Array, residual: Float64Array, trim: number): Int32Array {
  const cut = trim * maxAbsOn(residual, S);
  return S.filter((i) => Math.abs(residual[i]) < cut);
}

// ---------------------------------------------------------------------------------------------------------------
// Applying polish to solver results
// ---------------------------------------------------------------------------------------------------------------

/**
 * Polish one solver result. Failed results are returned unchanged. A certified result becomes 'converged' when the
 * solver had stopped on its iteration cap (the certificate proves it optimal); otherwise the status is kept.
 * The message records what polish did; solveMs includes the polish time.
 */
export function polish(problem: L1Problem, result: SolveResult, opts: PolishOptions = {}): SolveResult {
  if (result.status === 'failed') return result;
  const t0 = performance.now();
  const out = polishPoint(orthonormalBasis(problem.A), problem.b, result.delta, opts);
  const ms = performance.now() - t0;
  const note = out.certified ? 'polished: certified optimal' : out.accepted ? 'polished' : 'polish rejected';
  return {
    ...result,
    delta: out.delta,
    objective: out.objective,
    status: out.certified && result.status === 'max_iterations' ? 'converged' : result.status,
    message: result.message ? `${result.message}; ${note}` : note,
    solveMs: result.solveMs + ms,
  };
}

/** A solver whose every result is polished. */
export function withPolish(solver: Solver, opts: PolishOptions = {}): Solver {
  return {
    name: `${solver.name}+polish`,
    async solve(problems) {
      const results = await solver.solve(problems);
      return results.map((res, k) => polish(problems[k], res, opts));
    },
    dispose: () => solver.dispose?.(),
  };
}
