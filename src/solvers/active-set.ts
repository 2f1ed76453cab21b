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
 * fails b is perturbed by ≈1e-9·||b||∞ (generic again), the descent goes on, and the final vertex is re-solved and
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

/** The vertex descent of the module comment, for one problem. Pure float64 JS. */
export function descend(basis: Basis, b: Float64Array, opts: ActiveSetOptions = ACTIVE_SET_DEFAULTS): Descent {
  const { m, r, Q } = basis;
  const bScale = maxAbs(b);
  if (r === 0 || bScale === 0) return { delta: new Float64Array(m), proof: 'vertex', iterations: 0 };
  const tol = opts.zeroTol * bScale;

  // Start: polish the least-squares fit; a certified polish is the answer.
  const ls = matVec(Q, m, r, transposeTimes(Q, m, r, b));
  const start = polishPoint(basis, b, ls);
  if (start.certified) return { delta: start.delta, proof: 'polish', iterations: 0 };
  const Z = startingRows(Q, m, r, b.map((bi, i) => Math.abs(bi - start.delta[i])));
  if (!Z) return { delta: start.delta, proof: 'singular', iterations: 0 };

  const inZ = new Uint8Array(m);
  for (const i of Z) inZ[i] = 1;
  let M = inverseOfRows(Q, r, Z);
  if (!M) return { delta: start.delta, proof: 'singular', iterations: 0 };
  // The descent runs on `target`: b itself, or b perturbed on the rows of a degenerate vertex (see below).
  const target = Float64Array.from(b);
  let perturbed = false;
  let v: Float64Array = new Float64Array(r);
  const res = new Float64Array(m);
  const refresh = (): void => {
    v = mulRows(M!, r, Z, target);
    const qv = matVec(Q, m, r, v);
    for (let i = 0; i < m; i++) res[i] = inZ[i] ? 0 : target[i] - qv[i];
  };
  refresh();

  const y = new Float64Array(r);
  // sign(res) off Z (0 on Z and where |res| ≤ tol) and c = Σ sign_i q_i, kept up to date row by row.
  const signs = new Int8Array(m);
  const c = new Float64Array(r);
  const resign = (): void => {
    for (let i = 0; i < m; i++) {
      const s = inZ[i] || Math.abs(res[i]) <= tol ? 0 : res[i] > 0 ? 1 : -1;
      if (s === signs[i]) continue;
      const diff = s - signs[i];
      const base = i * r;
      for (let a = 0; a < r; a++) c[a] += diff * Q[base + a];
      signs[i] = s;
    }
  };
  const w = new Float64Array(m);
  const d = new Float64Array(r);
  const order: number[] = [];
  const work = workspace(m, r);
  // The answer at the current vertex for the unperturbed b, proved optimal by its own dual or by polish's.
  const finish = (iter: number): Descent => {
    if (perturbed) {
      const exact = mulRows(M!, r, Z, b);
      const qv = matVec(Q, m, r, exact);
      const resB = b.map((bi, i) => (inZ[i] ? 0 : bi - qv[i]));
      // Rows that are zero for b may take the sign they had in the perturbed problem (|y_i| ≤ 1 is all they need).
      const signs = resB.map((x, i) => (Math.abs(x) > tol ? x : res[i]));
      if (vertexDual(Q, r, M!, signs, inZ, 0, y) <= 1 + opts.certTol) return { delta: qv, proof: 'vertex', iterations: iter };
      const p = polishPoint(basis, b, qv);
      return p.certified ? { delta: p.delta, proof: 'polish', iterations: iter } : { delta: qv, proof: 'stalled', iterations: iter };
    }
    return { delta: matVec(Q, m, r, v), proof: 'vertex', iterations: iter };
  };
  for (let iter = 0; iter < opts.maxIterations; iter++) {
    if (iter > 0 && iter % opts.refactorEvery === 0) {
      const fresh = inverseOfRows(Q, r, Z);
      if (!fresh) return { delta: matVec(Q, m, r, v), proof: 'singular', iterations: iter };
      M = fresh;
      refresh();
      signs.fill(0);
      c.fill(0);
    }
    resign();
    const worst = dualOfSigns(M, r, c, y);
    if (worst <= 1 + opts.certTol) return finish(iter);

    // Candidates: rows of Z whose dual is out of the box, most violated first.
    order.length = 0;
    for (let t = 0; t < r; t++) if (Math.abs(y[t]) > 1 + opts.certTol) order.push(t);
    order.sort((p, q) => Math.abs(y[q]) - Math.abs(y[p]));
    let step: { t: number; k: number; tau: number; sigma: number } | undefined;
    for (const t of order) {
      const sigma = y[t] > 0 ? -1 : 1;
      for (let a = 0; a < r; a++) d[a] = sigma * M[a * r + t];
      matVec(Q, m, r, d, w);
      const found = lineSearch(res, w, inZ, tol, 1 - Math.abs(y[t]), work);
      if (found) {
        step = { ...found, t, sigma };
        break;
      }
    }
    if (!step) {
      // Degenerate vertex (more zero residuals than r): no edge descends. Often it is the optimum, which
      // polish's certificate proves; if not, perturb b (generic again) and go on descending.
      const delta = matVec(Q, m, r, v);
      if (!perturbed) {
        const p = polishPoint(basis, b, delta);
        if (p.certified) return { delta: p.delta, proof: 'polish', iterations: iter };
      }
      if (perturbed) return { delta, proof: 'stalled', iterations: iter };
      perturb(target, res, inZ, bScale);
      perturbed = true;
      refresh(); // rows of Z follow the perturbed target
      continue;
    }
    const { t, k, tau, sigma } = step;
    for (let a = 0; a < r; a++) d[a] = sigma * M[a * r + t];
    for (let a = 0; a < r; a++) v[a] += tau * d[a];
    for (let i = 0; i < m; i++) if (!inZ[i]) res[i] -= tau * w[i];
    // Row Z[t] leaves (its residual is now −τσ), row k enters (residual exactly 0).
    res[Z[t]] = -tau * sigma;
    inZ[Z[t]] = 0;
    res[k] = 0;
    inZ[k] = 1;
    Z[t] = k;
    shermanMorrison(M, Q, r, k, t, sigma * w[k], work);
  }
  return { delta: matVec(Q, m, r, v), proof: 'cap', iterations: opts.maxIterations };
}

/**
 * The vertex's dual estimate into `y` (y_Z = −M ᵀ Q_Zcᵀ sign(res_Zc), sign 0 where |res| ≤ tol), and ||y_Z||∞.
 * M = Q_Z⁻¹ row-major; column t of M belongs to the t-th row of Z.
 */
function vertexDual(Q: Float64Array, r: number, M: Float64Array, res: ArrayLike<number>, inZ: Uint8Array, tol: number, y: Float64Array): number {
  const c = new Float64Array(r);
  for (let i = 0; i < res.length; i++) {
    if (inZ[i] || Math.abs(res[i]) <= tol) continue;
    const s = res[i] > 0 ? 1 : -1;
    const base = i * r;
    for (let a = 0; a < r; a++) c[a] += s * Q[base + a];
  }
  return dualOfSigns(M, r, c, y);
}

/** y_Z = −M ᵀ c into `y`; returns ||y_Z||∞. */
function dualOfSigns(M: Float64Array, r: number, c: Float64Array, y: Float64Array): number {
  // by rows of M (contiguous); each y_t is still summed in order a = 0, 1, …
  y.fill(0);
  let a = 0;
  for (; a + 3 < r; a += 4) {
    const c0 = c[a];
    const c1 = c[a + 1];
    const c2 = c[a + 2];
    const c3 = c[a + 3];
    const r0 = a * r;
    for (let t = 0; t < r; t++) y[t] = y[t] - M[r0 + t] * c0 - M[r0 + r + t] * c1 - M[r0 + 2 * r + t] * c2 - M[r0 + 3 * r + t] * c3;
  }
  for (; a < r; a++) {
    const ca = c[a];
    const row = a * r;
    for (let t = 0; t < r; t++) y[t] -= M[row + t] * ca;
  }
  let worst = 0;
  for (let t = 0; t < r; t++) worst = Math.max(worst, Math.abs(y[t]));
  return worst;
}

/**
 * Make the problem generic again: every row of the target gets a deterministic pseudo-random shift of size
 * ≈1e-9·||b||∞ (ten times the zero tolerance, far below the residuals that decide recovery). All rows, not only
 * the zero ones: exact linear dependencies between rows of a structured A would otherwise make later vertices
 * degenerate again. The answer is always re-derived and re-certified for the unperturbed b.
 */
function perturb(target: Float64Array, res: Float64Array, inZ: Uint8Array, bScale: number): void {
  for (let i = 0; i < res.length; i++) {
    const u = Math.sin(12.9898 * (i + 1)) * 43758.5453;
    const frac = u - Math.floor(u);
    const shift = 1e-9 * bScale * (0.5 + frac) * (frac < 0.5 ? -1 : 1);
    target[i] += shift;
    if (!inZ[i]) res[i] += shift;
  }
}

/** Buffers reused by every step of one descent (a step would otherwise allocate O(m) of them). */
interface Workspace {
  readonly taus: Float64Array;
  readonly weights: Float64Array;
  readonly rows: Int32Array;
  readonly u: Float64Array;
  readonly col: Float64Array;
}

function workspace(m: number, r: number): Workspace {
  return { taus: new Float64Array(m), weights: new Float64Array(m), rows: new Int32Array(m), u: new Float64Array(r), col: new Float64Array(r) };
}

/**
 * Exact line search of f(τ) = Σ |res_i − τ w_i| for τ > 0, from the slope at 0⁺ (`slope0` holds the part of
 * rows in Z and those with nonzero residual is added here). Returns the row k whose breakpoint ends the descent
 * and τ there, or undefined when f does not decrease.
 */
function lineSearch(res: Float64Array, w: Float64Array, inZ: Uint8Array, tol: number, slope0: number, work: Workspace) {
  // slope0 = 1 − |y_t| covers the leaving row and the nonzero rows; zero rows off Z add |w_i| (degenerate).
  let slope = slope0;
  const { taus, weights, rows } = work;
  const m = res.length;
  let p = 0;
  for (let i = 0; i < m; i++) {
    const wi = w[i];
    if (inZ[i] || wi === 0) continue;
    const ri = res[i];
    if (Math.abs(ri) <= tol) {
      slope += Math.abs(wi);
      continue;
    }
    // a breakpoint ahead (τ = res/w > 0) exactly when res and w have the same sign
    if (ri > 0 === wi > 0) {
      taus[p] = ri / wi;
      weights[p] = 2 * Math.abs(wi);
      rows[p++] = i;
    }
  }
  if (slope >= -1e-12) return undefined;
  const j = weightedSelect(taus, weights, rows, p, -slope);
  return j < 0 ? undefined : { k: rows[j], tau: taus[j] }; // j < 0 cannot happen for a full-rank Q
}

/**
 * The position (in taus/weights/rows) of the smallest breakpoint at which the weights of the breakpoints up to
 * it reach `need`: a weighted quickselect, O(p) expected (a full sort per step costs more than the pivot).
 * Reorders the three arrays in place.
 */
function weightedSelect(taus: Float64Array, weights: Float64Array, rows: Int32Array, p: number, need: number): number {
  let lo = 0;
  let hi = p; // search in [lo, hi)
  let seed = p;
  while (hi > lo) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const pivot = taus[lo + (seed % (hi - lo))];
    // three-way partition: [lo, lt) < pivot, [lt, gt) == pivot, [gt, hi) > pivot
    let lt = lo;
    let gt = hi;
    let i = lo;
    let less = 0;
    let equal = 0;
    while (i < gt) {
      const t = taus[i];
      if (t < pivot) {
        less += weights[i];
        swap(taus, weights, rows, i++, lt++);
      } else if (t > pivot) {
        swap(taus, weights, rows, i, --gt);
      } else {
        equal += weights[i];
        i++;
      }
    }
    if (less >= need) hi = lt;
    else if (less + equal >= need) return lt;
    else {
      need -= less + equal;
      lo = gt;
    }
  }
  return -1;
}

function swap(taus: Float64Array, weights: Float64Array, rows: Int32Array, i: number, j: number): void {
  const t = taus[i];
  taus[i] = taus[j];
  taus[j] = t;
  const v = weights[i];
  weights[i] = weights[j];
  weights[j] = v;
  const r = rows[i];
  rows[i] = rows[j];
  rows[j] = r;
}

/** Q_Z⁻¹ after row t of Q_Z is replaced by row k of Q:  M ← M − (M e_t)(q_kᵀ M − e_tᵀ) / (q_kᵀ M e_t). */
function shermanMorrison(M: Float64Array, Q: Float64Array, r: number, k: number, t: number, pivot: number, work: Workspace): void {
  const { u, col } = work; // u = q_kᵀ M − e_tᵀ
  u.fill(0);
  const qk = k * r;
  let a = 0;
  // Four rows of M per pass (each u_c still summed in order a = 0, 1, …: the bits of the plain loop).
  for (; a + 3 < r; a += 4) {
    const q0 = Q[qk + a];
    const q1 = Q[qk + a + 1];
    const q2 = Q[qk + a + 2];
    const q3 = Q[qk + a + 3];
    const r0 = a * r;
    for (let c = 0; c < r; c++) u[c] = u[c] + q0 * M[r0 + c] + q1 * M[r0 + r + c] + q2 * M[r0 + 2 * r + c] + q3 * M[r0 + 3 * r + c];
  }
  for (; a < r; a++) {
    const qa = Q[qk + a];
    const row = a * r;
    for (let c = 0; c < r; c++) u[c] += qa * M[row + c];
  }
  u[t] -= 1;
  for (let b = 0; b < r; b++) col[b] = M[b * r + t] / pivot;
  for (let b = 0; b < r; b++) {
    const cb = col[b];
    const row = b * r;
    for (let c = 0; c < r; c++) M[row + c] -= cb * u[c];
  }
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

/** M b_Z: v with Q_Z v = b_Z. */
function mulRows(M: Float64Array, r: number, Z: Int32Array, b: Float64Array): Float64Array {
  const v = new Float64Array(r);
  for (let a = 0; a < r; a++) {
    let s = 0;
    for (let t = 0; t < r; t++) s += M[a * r + t] * b[Z[t]];
    v[a] = s;
  }
  return v;
}

/**
 * r rows of Q, taken in order of increasing `score`, each kept when at least 1e-3 of its norm is outside the
 * span of the rows kept before (modified Gram–Schmidt on the rows); undefined when fewer than r qualify.
 */
function startingRows(Q: Float64Array, m: number, r: number, score: Float64Array): Int32Array | undefined {
  const E = new Float64Array(r * r); // the kept rows, orthonormalised
  const Z = new Int32Array(r);
  const x = new Float64Array(r);
  let kept = 0;
  for (const i of rowsByScore(score, m, 2 * r)) {
    const qi = i * r;
    let norm0 = 0;
    for (let a = 0; a < r; a++) {
      x[a] = Q[qi + a];
      norm0 += x[a] * x[a];
    }
    if (norm0 === 0) continue;
    for (let e = 0; e < kept; e++) {
      const ej = e * r;
      let s = 0;
      for (let a = 0; a < r; a++) s += E[ej + a] * x[a];
      for (let a = 0; a < r; a++) x[a] -= s * E[ej + a];
    }
    let norm = 0;
    for (let a = 0; a < r; a++) norm += x[a] * x[a];
    if (norm < 1e-6 * norm0) continue;
    const scale = 1 / Math.sqrt(norm);
    for (let a = 0; a < r; a++) E[kept * r + a] = x[a] * scale;
    Z[kept++] = i;
    if (kept === r) return Z;
  }
  return undefined;
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

/**
 * (Q_Z)⁻¹ by Gauss–Jordan elimination with partial pivoting; undefined when Q_Z is singular. Columns of the
 * reduced matrix left of the pivot are never read again, so only those right of it are updated.
 */
function inverseOfRows(Q: Float64Array, r: number, Z: Int32Array): Float64Array | undefined {
  const A = new Float64Array(r * r);
  for (let t = 0; t < r; t++) A.set(Q.subarray(Z[t] * r, Z[t] * r + r), t * r);
  const inv = new Float64Array(r * r);
  for (let a = 0; a < r; a++) inv[a * r + a] = 1;
  for (let col = 0; col < r; col++) {
    let p = col;
    for (let a = col + 1; a < r; a++) if (Math.abs(A[a * r + col]) > Math.abs(A[p * r + col])) p = a;
    const pv = A[p * r + col];
    if (!(Math.abs(pv) > 1e-14)) return undefined;
    const pr = col * r;
    if (p !== col) {
      swapRows(A, p * r, pr, r);
      swapRows(inv, p * r, pr, r);
    }
    const s = 1 / pv;
    for (let c = col + 1; c < r; c++) A[pr + c] *= s;
    for (let c = 0; c < r; c++) inv[pr + c] *= s;
    for (let a = 0; a < r; a++) {
      if (a === col) continue;
      const ar = a * r;
      const f = A[ar + col];
      if (f === 0) continue;
      for (let c = col + 1; c < r; c++) A[ar + c] -= f * A[pr + c];
      for (let c = 0; c < r; c++) inv[ar + c] -= f * inv[pr + c];
    }
  }
  return inv;
}

function swapRows(X: Float64Array, p: number, q: number, r: number): void {
  for (let c = 0; c < r; c++) {
    const t = X[p + c];
    X[p + c] = X[q + c];
    X[q + c] = t;
  }
}

export const activeSet = defineSolver(
  'active-set',
  'exact l1 regression by vertex descent (Barrodale–Roberts line search, float64), certified by its dual; HiGHS when no certificate is found',
  activeSetOptions,
  createActiveSet,
);
