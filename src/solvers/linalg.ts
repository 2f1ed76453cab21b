/**
 * Numerical plumbing shared by the solvers:
 *
 *   1. small dense float64 linear algebra (Cholesky, triangular solves in JS; Gram matrices by row-products.ts),
 *   2. the orthonormal basis Q of range(A) (float64, cached per `A.id`), which the projection-based solvers,
 *      polish and IRLS work in: delta = A u ranges over range(A) = range(Q), and Q is perfectly conditioned,
 *   3. validation and grouping of a batch by subspace, and a float32 tensor cache per `A.id` for the
 *      batched tensor solvers.
 *
 * Matrices are row-major Float64Arrays; an m×r matrix X has X[i*r + j] = X_ij.
 */
import * as tf from '@tensorflow/tfjs';
import { activeBackend } from '../tensor/backend.ts';
import { rowProducts, strided } from './row-products.ts';
import type { L1Problem, SolveResult, Subspace } from './types.ts';

// ---------------------------------------------------------------------------------------------------------------
// 1. Dense float64 kernels
// ---------------------------------------------------------------------------------------------------------------

/**
 * In-place Cholesky G = L Lᵀ of a symmetric positive definite r×r matrix (only the lower triangle is read).
 * On return the lower triangle holds L (the strict upper triangle is left as it was). Returns false when a pivot
 * is not positive, i.e. G is singular to working precision.
 *
 * Left-looking by blocks of CHOLESKY_BLOCK columns: a block's update by all the columns before it is one tiled
 * row product (row-products.ts; ≈ 3.5× the speed of the dot products of the unblocked loop at r = 2,000), then the
 * block is factored column by column. A matrix of at most one block (every default synthetic problem) takes the
 * unblocked loop alone.
 */
export function cholesky(G: Float64Array, r: number): boolean {
  for (let j0 = 0; j0 < r; j0 += CHOLESKY_BLOCK) {
    const jb = Math.min(CHOLESKY_BLOCK, r - j0);
    if (j0 > 0) subtractEarlierColumns(G, r, j0, jb);
    if (!factorColumns(G, r, j0, jb)) return false;
  }
  return true;
}

const CHOLESKY_BLOCK = 64;

/** G[p][j0 + q] −= Σ_{t < j0} L[p][t] L[j0 + q][t] for rows p ≥ j0 + q of the block's columns (lower triangle). */
function subtractEarlierColumns(G: Float64Array, r: number, j0: number, jb: number): void {
  const below = Int32Array.from({ length: r - j0 }, (_, i) => (j0 + i) * r);
  const U = rowProducts(G, below, G, below.subarray(0, jb), j0, 'full');
  for (let i = 0; i < r - j0; i++) {
    const row = (j0 + i) * r + j0;
    for (let q = 0; q < jb && q <= i; q++) G[row + q] -= U[i * jb + q];
  }
}

/** Columns j0 … j0 + jb − 1 of L, given that every column before j0 has already been subtracted from them. */
function factorColumns(G: Float64Array, r: number, j0: number, jb: number): boolean {
  for (let j = j0; j < j0 + jb; j++) {
    const rowJ = j * r;
    // L_jj = sqrt(G_jj − Σ_{j0≤k<j} L_jk²)
    let d = G[rowJ + j];
    for (let k = j0; k < j; k++) d -= G[rowJ + k] * G[rowJ + k];
    if (!(d > 0)) return false;
    const ljj = Math.sqrt(d);
    G[rowJ + j] = ljj;
    // L_ij = (G_ij − Σ_{j0≤k<j} L_ik L_jk) / L_jj   for i > j
    for (let i = j + 1; i < r; i++) {
      const rowI = i * r;
      let s = G[rowI + j];
      for (let k = j0; k < j; k++) s -= G[rowI + k] * G[rowJ + k];
      G[rowI + j] = s / ljj;
    }
  }
  return true;
}

/** Solve L y = x in place (L lower triangular, row-major r×r). */
export function forwardSolve(L: Float64Array, r: number, x: Float64Array): void {
  for (let i = 0; i < r; i++) {
    const row = i * r;
    x[i] = (x[i] - dot(L, row, x, 0, i)) / L[row + i];
  }
}

/**
 * Solve Lᵀ y = x in place. By rows of L (once y_i is known, subtract L_ik y_i from every x_k, k < i): reading
 * L's columns instead strides through all of it for every entry, which at r = 2,000 (32 MB) ran 3× slower.
 */
export function backSolve(L: Float64Array, r: number, x: Float64Array): void {
  for (let i = r - 1; i >= 0; i--) {
    const row = i * r;
    const yi = (x[i] /= L[row + i]);
    if (yi === 0) continue;
    for (let k = 0; k < i; k++) x[k] -= L[row + k] * yi;
  }
}

/**
 * cholSolve for `count` vectors of length r stored one after another in X, 8 at a time: each row of L is read once
 * per 8 vectors instead of once per vector (at r = 2,000, L is 32 MB and the single solves are memory bound).
 */
export function cholSolveMany(L: Float64Array, r: number, X: Float64Array, count: number): void {
  const xs = new Float64Array(r * 8); // xs[k*8 + j]: entry k of vector v0 + j
  for (let v0 = 0; v0 < count; v0 += 8) {
    const w = Math.min(8, count - v0);
    xs.fill(0);
    for (let j = 0; j < w; j++) for (let k = 0; k < r; k++) xs[k * 8 + j] = X[(v0 + j) * r + k];
    forwardSolve8(L, r, xs);
    backSolve8(L, r, xs);
    for (let j = 0; j < w; j++) for (let k = 0; k < r; k++) X[(v0 + j) * r + k] = xs[k * 8 + j];
  }
}

/** L y = x for 8 interleaved vectors (xs[k*8 + j]) whose entries before row `from` are zero (and stay so). */
function forwardSolve8(L: Float64Array, r: number, xs: Float64Array, from = 0): void {
  for (let i = from; i < r; i++) {
    const row = i * r;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
    for (let k = from; k < i; k++) {
      const l = L[row + k];
      const o = k * 8;
      s0 += l * xs[o]; s1 += l * xs[o + 1]; s2 += l * xs[o + 2]; s3 += l * xs[o + 3];
      s4 += l * xs[o + 4]; s5 += l * xs[o + 5]; s6 += l * xs[o + 6]; s7 += l * xs[o + 7];
    }
    const d = L[row + i];
    const o = i * 8;
    xs[o] = (xs[o] - s0) / d; xs[o + 1] = (xs[o + 1] - s1) / d; xs[o + 2] = (xs[o + 2] - s2) / d; xs[o + 3] = (xs[o + 3] - s3) / d;
    xs[o + 4] = (xs[o + 4] - s4) / d; xs[o + 5] = (xs[o + 5] - s5) / d; xs[o + 6] = (xs[o + 6] - s6) / d; xs[o + 7] = (xs[o + 7] - s7) / d;
  }
}

function backSolve8(L: Float64Array, r: number, xs: Float64Array): void {
  for (let i = r - 1; i >= 0; i--) {
    const row = i * r;
    const d = L[row + i];
    const o = i * 8;
    const y0 = (xs[o] /= d), y1 = (xs[o + 1] /= d), y2 = (xs[o + 2] /= d), y3 = (xs[o + 3] /= d);
    const y4 = (xs[o + 4] /= d), y5 = (xs[o + 5] /= d), y6 = (xs[o + 6] /= d), y7 = (xs[o + 7] /= d);
    for (let k = 0; k < i; k++) {
      const l = L[row + k];
      const q = k * 8;
      xs[q] -= l * y0; xs[q + 1] -= l * y1; xs[q + 2] -= l * y2; xs[q + 3] -= l * y3;
      xs[q + 4] -= l * y4; xs[q + 5] -= l * y5; xs[q + 6] -= l * y6; xs[q + 7] -= l * y7;
    }
  }
}

/** Solve (L Lᵀ) y = x in place. */
export function cholSolve(L: Float64Array, r: number, x: Float64Array): void {
  forwardSolve(L, r, x);
  backSolve(L, r, x);
}

/**
 * Gram matrix Q_Sᵀ Q_S of the rows `S` of an orthonormal Q (QᵀQ = I), computed the cheaper way: directly when
 * |S| ≤ m/2, else as I − Q_Scᵀ Q_Sc over the complement. The selected rows are gathered into a column-major
 * panel first so that every entry is one contiguous dot product (≈2× faster in JS than rank-1 updates).
 */
export function subsetGram(Q: Float64Array, m: number, r: number, S: Int32Array, inS: Uint8Array): Float64Array {
  const direct = S.length <= m / 2;
  const rows = direct ? S : Int32Array.from({ length: m - S.length }, () => 0);
  if (!direct) {
    let t = 0;
    for (let i = 0; i < m; i++) if (!inS[i]) rows[t++] = i;
  }
  const G = panelGram(Q, r, rows);
  if (!direct) {
    for (let t = 0; t < r * r; t++) G[t] = -G[t];
    for (let a = 0; a < r; a++) G[a * r + a] += 1;
  }
  return G;
}

/** Σ_{i ∈ rows} x_i x_iᵀ for X m×r (full symmetric r×r result). */
export function panelGram(X: Float64Array | Float32Array, r: number, rows: Int32Array): Float64Array {
  const k = rows.length;
  const P = new Float64Array(r * k); // P[a*k + t] = X[rows[t], a]: column a of X_rows, contiguous
  for (let t = 0; t < k; t++) {
    const base = rows[t] * r;
    for (let a = 0; a < r; a++) P[a * k + t] = X[base + a];
  }
  const columns = strided(r, k);
  return rowProducts(P, columns, P, columns, k, 'symmetric');
}

/**
 * The inverse of a lower triangular r×r L (row-major), lower triangular, zero above the diagonal. Forward
 * substitution for 8 columns of L⁻¹ at a time: each row of L is read once per 8 columns (one at a time, the solve
 * streamed all of L from memory per column).
 */
export function lowerInverse(L: Float64Array, r: number): Float64Array {
  const M = new Float64Array(r * r);
  const xs = new Float64Array(r * 8); // xs[t*8 + j]: entry t of column c0 + j
  for (let c0 = 0; c0 < r; c0 += 8) {
    const w = Math.min(8, r - c0);
    xs.fill(0);
    for (let j = 0; j < w; j++) xs[(c0 + j) * 8 + j] = 1;
    // Rows above c0 of these columns are zero; those above c0 + j of column j come out exactly zero.
    forwardSolve8(L, r, xs, c0);
    for (let a = c0; a < r; a++) for (let j = 0; j < w; j++) M[a * r + c0 + j] = xs[a * 8 + j];
  }
  return M;
}

/**
 * Σ_t x[i + t] · y[j + t] for t < n, in four partial sums (independent additions overlap: ≈ 1.6–2× a single sum
 * in JS); the remainder goes to the first.
 */
export function dot(x: Float64Array | Float32Array, i: number, y: Float64Array | Float32Array, j: number, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let t = 0;
  for (; t + 3 < n; t += 4) {
    s0 += x[i + t] * y[j + t];
    s1 += x[i + t + 1] * y[j + t + 1];
    s2 += x[i + t + 2] * y[j + t + 2];
    s3 += x[i + t + 3] * y[j + t + 3];
  }
  for (; t < n; t++) s0 += x[i + t] * y[j + t];
  return s0 + s1 + s2 + s3;
}

/**
 * y = X x for X m×r. Four rows per pass share each load of x (twice the speed of one row at a time at r = 40);
 * every row is still summed in order a = 0, 1, …, so the bits are those of the plain loop.
 */
export function matVec(X: Float64Array, m: number, r: number, x: Float64Array, y = new Float64Array(m)): Float64Array {
  let i = 0;
  for (; i + 3 < m; i += 4) {
    const b0 = i * r;
    const b1 = b0 + r;
    const b2 = b1 + r;
    const b3 = b2 + r;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let a = 0; a < r; a++) {
      const xa = x[a];
      s0 += X[b0 + a] * xa;
      s1 += X[b1 + a] * xa;
      s2 += X[b2 + a] * xa;
      s3 += X[b3 + a] * xa;
    }
    y[i] = s0;
    y[i + 1] = s1;
    y[i + 2] = s2;
    y[i + 3] = s3;
  }
  for (; i < m; i++) {
    const base = i * r;
    let s = 0;
    for (let a = 0; a < r; a++) s += X[base + a] * x[a];
    y[i] = s;
  }
  return y;
}

/** y = Σ_{i ∈ rows} w_i x_i  (= X_rowsᵀ w_rows) for X m×r; `w` is indexed by the row number. */
export function rowsTVec(X: Float64Array, r: number, rows: ArrayLike<number>, w: ArrayLike<number>): Float64Array {
  const y = new Float64Array(r);
  for (let t = 0; t < rows.length; t++) {
    const i = rows[t];
    const wi = w[i];
    if (wi === 0) continue;
    const base = i * r;
    for (let a = 0; a < r; a++) y[a] += wi * X[base + a];
  }
  return y;
}

export function l1Distance(b: Float64Array, delta: Float64Array): number {
  let s = 0;
  for (let i = 0; i < b.length; i++) s += Math.abs(b[i] - delta[i]);
  return s;
}

export function maxAbs(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s = Math.max(s, Math.abs(x[i]));
  return s;
}

/** Median of |x_i| (x is not modified). */
export function medianAbs(x: ArrayLike<number>): number {
  const a = new Float64Array(x.length);
  for (let i = 0; i < a.length; i++) a[i] = Math.abs(x[i]);
  a.sort();
  const k = a.length >> 1;
  return a.length === 0 ? 0 : a.length % 2 ? a[k] : 0.5 * (a[k - 1] + a[k]);
}

// ---------------------------------------------------------------------------------------------------------------
// 2. Orthonormal basis of range(A), cached per A.id
// ---------------------------------------------------------------------------------------------------------------

/** Q (m×r, orthonormal columns, row-major) spanning range(A); r = numerical rank of A. */
export interface Basis {
  readonly id: string;
  readonly m: number;
  readonly r: number;
  readonly Q: Float64Array;
}

export interface BasisOptions {
  /**
   * Rank tolerance: a column of A is dropped when the part of it that is not spanned by the columns already
   * taken has squared norm below rankTol × its squared norm (pivoted Cholesky on the column-scaled Gram
   * matrix; i.e. relative singular values below ≈ sqrt(rankTol) are cut). Default 1e-14 (≈1e-7): float64
   * Cholesky-QR resolves that, and cutting higher would make the subspace miss directions the exact LP still uses.
   */
  rankTol?: number;
}

const BASIS_CACHE_SIZE = 64;
const basisCache = new Map<string, Basis>();

/**
 * Orthonormal basis of range(A) by pivoted Cholesky-QR, done twice ("CholQR2") for orthogonality to machine
 * precision, all in float64:
 *
 *   G = D Aᵀ A D             (D scales columns to unit norm)
 *   P G Pᵀ ≈ L Lᵀ             pivoted Cholesky, stopped at rank r when the largest remaining pivot < rankTol
 *   Q1 = A Pᵀ D L^{-T}        first r pivoted columns only
 *   Q1ᵀ Q1 = L2 L2ᵀ,  Q = Q1 L2^{-T}
 *
 * Cost ≈ m n²/2 + 3 m r²/2 multiply-adds, once per A.id (LRU cache of 64 bases).
 */
export function orthonormalBasis(A: Subspace, opts: BasisOptions = {}): Basis {
  const key = `${A.id}|${A.m}|${A.n}|${opts.rankTol ?? ''}`;
  const hit = basisCache.get(key);
  if (hit) {
    basisCache.delete(key); // refresh LRU position
    basisCache.set(key, hit);
    return hit;
  }
  const basis = computeBasis(A, opts.rankTol ?? 1e-14);
  basisCache.set(key, basis);
  if (basisCache.size > BASIS_CACHE_SIZE) basisCache.delete(basisCache.keys().next().value as string);
  return basis;
}

function computeBasis(A: Subspace, rankTol: number): Basis {
  const { m, n, data } = A;
  // G = Aᵀ A (row-major A read as a column-major panel of its transpose), column scales D_jj = 1/||a_j||.
  const G = panelGram(data, n, Int32Array.from({ length: m }, (_, i) => i));
  const scale = new Float64Array(n);
  for (let j = 0; j < n; j++) scale[j] = G[j * n + j] > 0 ? 1 / Math.sqrt(G[j * n + j]) : 0;
  for (let a = 0; a < n; a++) for (let c = 0; c < n; c++) G[a * n + c] *= scale[a] * scale[c];

  const { piv, L, r } = pivotedCholesky(G, n, rankTol, scale);
  // Q1 = X L⁻ᵀ with row i of X = (D a_i)[piv]: one tiled product with the explicit inverse (r³/6 more
  // multiply-adds than m triangular solves, which are dot products of growing length and run at a third the speed).
  const X = new Float64Array(m * r);
  for (let i = 0; i < m; i++) for (let k = 0; k < r; k++) X[i * r + k] = data[i * n + piv[k]] * scale[piv[k]];
  const Q = timesLowerInverseT(X, m, r, L);
  if (orthogonalityError(Q, m, r) > ORTHOGONALITY_TOL) reorthonormalize(Q, m, r);
  return { id: A.id, m, r, Q };
}

/**
 * A first Cholesky-QR pass leaves ||QᵀQ − I|| ≈ ε·cond(A)²; a second pass is made when the estimate exceeds this.
 * At 1e-12 the products that assume QᵀQ = I (polish's I − Q_Scᵀ Q_Sc, ADMM's and l2's projection Q Qᵀ) err by
 * less than the tightest tolerance they are tested against (polish's zeroTol 1e-10; certTol ≥ 1e-9). The range of
 * Q, which is what the l1 problem sees, is the first pass's either way. Measured: the practical-size hidden-layer
 * A_W (m = 12,600, n = 2,000, cond(AD) = 159) leaves 7.5e-13 after one pass, and its second pass would double
 * the basis's cost.
 */
const ORTHOGONALITY_TOL = 1e-12;

/** X L⁻ᵀ for X m×r and L r×r lower triangular (row-major): row i is L⁻¹ x_i. */
function timesLowerInverseT(X: Float64Array, m: number, r: number, L: Float64Array): Float64Array {
  return rowProducts(X, strided(m, r), lowerInverse(L, r), strided(r, r), r, 'lower-triangular');
}

/**
 * Pivoted Cholesky of a unit-diagonal n×n G, skipping zero columns; returns the pivots and the r×r factor.
 * The factor is kept by column of G (Lc[j·n + t] = L entry of original column j at pivot step t). Blocked like
 * LAPACK's dpstrf: the pivots are chosen one at a time from the exactly updated diagonal, but G itself is brought
 * up to date only every PIVOT_BLOCK steps, by one tiled row product (row-products.ts), so that a column's update
 * within a block is a dot product of at most PIVOT_BLOCK terms (at n = 2,000: 3.7 s → ≈ 1 s).
 */
function pivotedCholesky(G: Float64Array, n: number, tol: number, scale: Float64Array) {
  const perm = Array.from({ length: n }, (_, j) => j);
  const diag = Float64Array.from({ length: n }, (_, j) => (scale[j] > 0 ? G[j * n + j] : 0));
  const Lc = new Float64Array(n * n);
  let r = 0;
  let j0 = 0; // G holds the updates of the steps before j0
  for (; r < n; r++) {
    if (r - j0 === PIVOT_BLOCK) {
      subtractSteps(G, Lc, n, perm.slice(r), j0, r);
      j0 = r;
    }
    let p = r;
    for (let k = r + 1; k < n; k++) if (diag[perm[k]] > diag[perm[p]]) p = k;
    const jp = perm[p];
    if (!(diag[jp] > tol)) break;
    [perm[r], perm[p]] = [perm[p], perm[r]];
    const ljj = Math.sqrt(diag[jp]);
    for (let k = r + 1; k < n; k++) {
      const j = perm[k];
      const g = j > jp ? G[j * n + jp] : G[jp * n + j];
      const v = (g - dot(Lc, j * n + j0, Lc, jp * n + j0, r - j0)) / ljj;
      Lc[j * n + r] = v;
      diag[j] -= v * v;
    }
    Lc[jp * n + r] = ljj;
  }
  const piv = perm.slice(0, r);
  const L = new Float64Array(r * r);
  for (let a = 0; a < r; a++) for (let c = 0; c <= a; c++) L[a * r + c] = Lc[piv[a] * n + c];
  return { piv, L, r };
}

const PIVOT_BLOCK = 64;

/** G[a][c] −= Σ_{j0 ≤ t < j1} Lc[a][t] Lc[c][t] for the columns `rest` not pivoted yet (lower triangle: a > c). */
function subtractSteps(G: Float64Array, Lc: Float64Array, n: number, rest: number[], j0: number, j1: number): void {
  const rows = Int32Array.from(rest, (j) => j * n + j0);
  const U = rowProducts(Lc, rows, Lc, rows, j1 - j0, 'symmetric');
  const R = rest.length;
  for (let a = 0; a < R; a++) {
    for (let c = 0; c < R; c++) if (rest[a] > rest[c]) G[rest[a] * n + rest[c]] -= U[a * R + c];
  }
}

/**
 * Cheap estimate of ||QᵀQ − I||: ||Qᵀ(Q x) − x||∞ for two pseudo-random unit-scale vectors x (4mr multiply-adds).
 * Cholesky-QR loses orthogonality like ε·cond(A)², so a well-conditioned A needs no second pass.
 */
function orthogonalityError(Q: Float64Array, m: number, r: number): number {
  let err = 0;
  for (const seed of [1, 2]) {
    const x = Float64Array.from({ length: r }, (_, a) => Math.sin(seed * 12.9898 * (a + 1)) * 2);
    const qx = matVec(Q, m, r, x);
    const all = Int32Array.from({ length: m }, (_, i) => i);
    const y = rowsTVec(Q, r, all, qx);
    for (let a = 0; a < r; a++) err = Math.max(err, Math.abs(y[a] - x[a]) / 2);
  }
  return err;
}

/** One more Cholesky-QR pass, in place: Q ← Q L2^{-T} with Qᵀ Q = L2 L2ᵀ. */
function reorthonormalize(Q: Float64Array, m: number, r: number): void {
  if (r === 0) return;
  const G = panelGram(Q, r, Int32Array.from({ length: m }, (_, i) => i));
  if (!cholesky(G, r)) return; // cannot happen after a successful pivoted pass; keep the first pass then
  for (let a = 0; a < r; a++) G.fill(0, a * r + a + 1, (a + 1) * r); // cholesky leaves the upper triangle as it was
  Q.set(timesLowerInverseT(Q, m, r, G));
}

/** Estimate of ||A||₂ by power iteration on AᵀA (float64, cached per A.id). */
const normCache = new Map<string, number>();
export function spectralNorm(A: Subspace, iterations = 50): number {
  const key = `${A.id}|${A.m}|${A.n}`;
  const hit = normCache.get(key);
  if (hit !== undefined) return hit;
  const { m, n, data } = A;
  let x = new Float64Array(n).fill(1 / Math.sqrt(n));
  let sigma = 0;
  const Ax = new Float64Array(m);
  for (let it = 0; it < iterations; it++) {
    for (let i = 0; i < m; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += data[i * n + j] * x[j];
      Ax[i] = s;
    }
    const y = new Float64Array(n);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) y[j] += data[i * n + j] * Ax[i];
    const ny = Math.hypot(...y);
    if (ny === 0) break;
    sigma = Math.sqrt(ny);
    x = y.map((v) => v / ny);
  }
  if (normCache.size >= BASIS_CACHE_SIZE) normCache.delete(normCache.keys().next().value as string);
  normCache.set(key, sigma);
  return sigma;
}

// ---------------------------------------------------------------------------------------------------------------
// 3. Batch plumbing for the tensor solvers
// ---------------------------------------------------------------------------------------------------------------

/** Throws unless a tfjs backend was activated through useBackend() and is still the one running. */
export function assertBackend(solver: string): void {
  const { requested, tfjs } = activeBackend();
  if (requested === undefined) {
    throw new Error(`solver '${solver}' needs a tensor backend: call useBackend(...) first (src/tensor/backend.ts)`);
  }
  const expected = requested === 'node' || requested === 'node-gpu' ? 'tensorflow' : requested;
  if (tfjs !== expected) throw new Error(`solver '${solver}': tfjs is running on '${tfjs}', not the requested '${requested}'`);
}

/** Checks that a batch is well formed (same m, n; lengths agree); a violation is misuse and throws. */
export function checkBatchShape(problems: readonly L1Problem[]): void {
  if (problems.length === 0) return;
  const { m, n } = problems[0].A;
  for (const [k, p] of problems.entries()) {
    if (p.A.m !== m || p.A.n !== n) throw new Error(`problem ${k}: A is ${p.A.m}×${p.A.n}, batch is ${m}×${n}`);
    if (p.A.data.length !== m * n) throw new Error(`problem ${k}: A.data has ${p.A.data.length} entries, expected ${m * n}`);
    if (p.b.length !== m) throw new Error(`problem ${k}: b has length ${p.b.length}, expected m = ${m}`);
  }
}

const finiteA = new Map<string, boolean>();
/** Why the problem cannot be solved (non-finite b or A), or undefined when it is fine. */
export function invalidReason(p: L1Problem, index: number): string | undefined {
  for (let i = 0; i < p.b.length; i++) {
    if (!Number.isFinite(p.b[i])) return `problem ${index}: b[${i}] = ${p.b[i]} is not finite`;
  }
  const key = `${p.A.id}|${p.A.m}|${p.A.n}`;
  let ok = finiteA.get(key);
  if (ok === undefined) {
    ok = p.A.data.every(Number.isFinite);
    if (finiteA.size > 4096) finiteA.clear();
    finiteA.set(key, ok);
  }
  return ok ? undefined : `problem ${index}: A (id ${p.A.id}) has non-finite entries`;
}

export function failedResult(m: number, message: string, solveMs = 0): SolveResult {
  return { delta: new Float64Array(m).fill(NaN), status: 'failed', message, solveMs };
}

/** Problems of one batch that share a subspace (same A.id), by their positions in the batch. */
export interface Group {
  readonly A: Subspace;
  readonly indices: number[];
}

/** Valid problems grouped by A.id in first-appearance order; invalid ones get a failed result in `results`. */
export function groupBatch(problems: readonly L1Problem[], results: (SolveResult | undefined)[]): Group[] {
  const groups = new Map<string, Group>();
  problems.forEach((p, k) => {
    const why = invalidReason(p, k);
    if (why) {
      results[k] = failedResult(p.A.m, why);
      return;
    }
    const g = groups.get(p.A.id) ?? { A: p.A, indices: [] };
    g.indices.push(k);
    groups.set(p.A.id, g);
  });
  return [...groups.values()];
}

/**
 * Rows [start, start + count) of a 2-D tensor, as a new tensor. On wasm a kernel of our own copies just those rows:
 * the backend's Slice reads the whole input out of the wasm heap (a full copy) before taking the slice, so cutting
 * a batch of G subspaces into its blocks with tf.split copied the batch G times (at G = 20, ≈ 10× the cost of the
 * products themselves). Other backends slice well and use tf.slice.
 */
export function rowBlock(x: tf.Tensor2D, start: number, count: number): tf.Tensor2D {
  if (tf.getBackend() !== 'wasm') return tf.slice(x, [start, 0], [count, x.shape[1]]);
  if (!rowBlockRegistered) {
    if (!tf.getKernel(ROW_BLOCK, 'wasm')) tf.registerKernel({ kernelName: ROW_BLOCK, backendName: 'wasm', kernelFunc: rowBlockWasm });
    rowBlockRegistered = true;
  }
  return tf.engine().runKernel(ROW_BLOCK, { x }, { start, count }) as tf.Tensor2D;
}

const ROW_BLOCK = 'PurifyCnnRowBlock';
let rowBlockRegistered = false;

/** The wasm kernel: allocate the output first (malloc may grow the heap and detach older views), then copy. */
interface HeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}
const rowBlockWasm: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const x = inputs.x as tf.TensorInfo;
  const { start, count } = attrs as unknown as { start: number; count: number };
  const cols = x.shape[1];
  const heap = backend as unknown as HeapBackend;
  const out = heap.makeOutput([count, cols], x.dtype);
  heap.typedArrayFromHeap(out).set(heap.typedArrayFromHeap(x).subarray(start * cols, (start + count) * cols));
  return out;
};

/** Float32 device copies of a matrix and its transpose (both as plain 2-D tensors: see TensorCache). */
export interface DevicePair {
  readonly X: tf.Tensor2D; // m×c
  readonly Xt: tf.Tensor2D; // c×m
}

/**
 * Per-solver cache of device tensors keyed by A.id (least recently used entries beyond `capacity` are disposed,
 * but never one used since the last `newBatch()`, so a batch with many subspaces keeps all of its operators).
 * We keep both X and Xᵀ because on the wasm backend only a plain 2-D `matMul(left, right)` without transposes
 * runs on XNNPACK (~25 GFLOP/s); batched or transposed products take a generic loop that is ~10× slower.
 */
export class TensorCache {
  private readonly entries = new Map<string, DevicePair & { batch: number }>();
  private batch = 0;
  constructor(private readonly capacity = 16) {}

  /** Call at the start of every solve: entries used before may be evicted from now on. */
  newBatch(): void {
    this.batch++;
  }

  get(key: string, make: () => { X: Float64Array | Float32Array; rows: number; cols: number }): DevicePair {
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, { ...hit, batch: this.batch });
      return hit;
    }
    const { X, rows, cols } = make();
    const pair = tf.tidy(() => {
      const x = tf.tensor2d(Float32Array.from(X), [rows, cols]);
      return { X: tf.keep(x), Xt: tf.keep(x.transpose()) as tf.Tensor2D };
    });
    this.entries.set(key, { ...pair, batch: this.batch });
    this.evict();
    return pair;
  }

  private evict(): void {
    for (const [key, entry] of this.entries) {
      if (this.entries.size <= this.capacity) return;
      if (entry.batch === this.batch) continue; // in use by the current solve
      entry.X.dispose();
      entry.Xt.dispose();
      this.entries.delete(key);
    }
  }

  dispose(): void {
    for (const { X, Xt } of this.entries.values()) {
      X.dispose();
      Xt.dispose();
    }
    this.entries.clear();
  }
}

/** Row-stack the b vectors of a group as a float32 [k, m] array. */
export function stackRows(rows: readonly Float64Array[], m: number, scale?: ArrayLike<number>): Float32Array {
  const out = new Float32Array(rows.length * m);
  rows.forEach((b, k) => {
    const s = scale ? scale[k] : 1;
    for (let i = 0; i < m; i++) out[k * m + i] = s * b[i];
  });
  return out;
}
