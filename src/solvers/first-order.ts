/**
 * The batched first-order driver that ADMM, PDHG and IRLS share (admm.ts, pdhg.ts, irls.ts plug a
 * FirstOrderMethod into it), and the options they share.
 *
 * Batching: the whole batch is one set of [K, m] tensors, one row per problem, rows grouped by subspace. Elementwise
 * work runs once per step for everyone; the products run per subspace as one 2-D GEMM against that subspace's Q
 * (problems sharing A.id are the rows of one GEMM operand: fast on every backend, and the only fast matmul on wasm,
 * where batched or transposed products take a ~10× slower generic loop). Rows never mix, and a problem's schedule
 * (checks, ρ changes, stopping) depends only on its own iterates, so its answer does not depend on what else is in
 * the batch: batched and one-at-a-time solves give identical bits (tested). Finished problems are removed from the
 * batch (frozen at the check where they stopped).
 *
 * Stopping, per problem (`certify` on): at checks, polish the iterate (least squares on the identified clean set,
 * float64) and try to prove the polished point optimal with a dual certificate (src/solvers/polish.ts); stop with
 * that exact point as soon as it is certified. An attempt costs about as much as tens of iterations of one
 * problem, so it is made at the first check (iteration `firstCheck`), when the kept set polish would fit is
 * unchanged since the previous check (and is not the set of the last failed attempt), or on a backoff schedule
 * (k + max(checkEvery, backoff·k)); for a method with a sparse ranking (ADMM) only when that ranking already
 * vanishes on at least r coordinates (FirstOrderMethod.sparseRanking).
 * Otherwise a problem stops when both residuals are below tolerance, or at the iteration cap; the returned point is
 * then the polished one when that lowers the l1 objective (status 'converged' / 'max_iterations', not certified).
 */
import * as tf from '@tensorflow/tfjs';
import * as z from 'zod';
import { withDefaults, type Shape } from '../schema/define.ts';
import {
  assertBackend,
  checkBatchShape,
  groupBatch,
  l1Distance,
  matVec,
  maxAbs,
  medianAbs,
  orthonormalBasis,
  rowBlock,
  rowsTVec,
  stackRows,
  type Basis,
  type Group,
} from './linalg.ts';
import { keptSet, POLISH_DEFAULTS, polishOptions, polishPoint, type KeptSetFactor, type PolishOptions } from './polish.ts';
import type { L1Problem, SolveResult, Subspace } from './types.ts';

/** The options every batched first-order solver has; each solver gives their defaults (firstOrderFields). */
const firstOrderShape = {
  maxIterations: z.int().min(1).describe('iteration cap per problem'),
  checkEvery: z.int().min(1).describe('iterations between convergence checks (the only device→host copies)'),
  firstCheck: z.int().min(1).describe('iteration of the first check; later checks fall on multiples of checkEvery'),
  epsPrimal: z.number().gt(0).describe('relative primal residual tolerance'),
  epsDual: z.number().gt(0).describe('relative dual residual tolerance'),
  adapt: z.boolean().describe('per-problem residual balancing of the step scale (ρ for ADMM, primal weight for PDHG)'),
  mu: z.number().gt(0).describe('balancing: rescale when one residual exceeds mu times the other'),
  tau: z.number().gt(0).describe('balancing: rescale factor'),
  certify: z.union([z.boolean(), polishOptions]).describe('certified early stopping: polish + dual certificate of LP optimality at checks (true, false or polish options)'),
  backoff: z.number().min(0).describe('after a failed certification at iteration k, retry at k + max(checkEvery, backoff·k)'),
};

/** What the driver reads: the shared options, whichever solver declared them. */
export type FirstOrderOptions = Shape<z.ZodObject<typeof firstOrderShape>>;

/** The shared options with one solver's defaults (every first-order solver certifies by default). */
export function firstOrderFields(defaults: Omit<FirstOrderOptions, 'certify'> & { certify?: FirstOrderOptions['certify'] }) {
  return withDefaults(firstOrderShape, { certify: true, ...defaults });
}

/** Device state of the batch: named [K, ·] tensors, one row per active problem, rows grouped by subspace. */
export type State = Record<string, tf.Tensor2D>;

/** Consecutive rows of the state that share one subspace, and that subspace's device operator. */
export interface Segment<Op> {
  readonly op: Op;
  readonly count: number;
}

/**
 * Apply a per-subspace map (a product with that subspace's operator) to the row blocks of X and stack the results.
 * Elementwise work runs once on the whole batch; only the products are per subspace, each a 2-D GEMM. The blocks
 * are cut with rowBlock (linalg.ts), not tf.split: on wasm that copies the whole batch once per block.
 */
export function bySegment<Op, T extends tf.Tensor>(segs: readonly Segment<Op>[], X: tf.Tensor2D, f: (rows: tf.Tensor2D, op: Op) => T): T {
  if (segs.length === 1) return f(X, segs[0].op);
  let start = 0;
  const parts = segs.map((seg) => {
    const part = f(rowBlock(X, start, seg.count), seg.op);
    start += seg.count;
    return part;
  });
  return tf.concat(parts, 0) as T;
}

/** What a first-order method plugs into the driver. */
export interface FirstOrderMethod<Op> {
  /** Tensors in the state that are proportional to the per-problem scale s (b̃ = s b etc.). */
  readonly scaledKeys: readonly string[];
  /**
   * The ranking is exactly zero on the coordinates the method takes to be clean (ADMM's soft-thresholded residual),
   * so before the cap a certification attempt is made only when at least r of them are zero: with fewer, the kept set
   * comes from a gap in a residual that has not settled, and such attempts almost never certify (4 of 783 at
   * iteration 100 in three synthetic-sweep families) while each costs as much as tens of iterations.
   */
  readonly sparseRanking?: boolean;
  /** P X per subspace for row-stacked X, when the method holds an orthonormal basis on the device (see unitsOnDevice). */
  project?(segs: readonly Segment<Op>[], X: tf.Tensor2D): tf.Tensor2D;
  /** How the dual residual is normalised: by ||b̃_j||₂ (default) or by sqrt(m). */
  readonly dualNorm?: 'b' | 'sqrtm';
  /** Called once at the start of every solve (lets the method's operator cache know what is in use). */
  newBatch(): void;
  /** Device operator for a subspace (cached by the method). */
  operator(A: Subspace, basis: Basis): Op;
  /** Initial state from the scaled right-hand sides B = s b ([K, m]). */
  init(segs: readonly Segment<Op>[], B: tf.Tensor2D): State;
  /**
   * Run iterations `done + 1 … done + steps` (all active rows are at the same iteration count); return the new
   * state and per-row primal / dual residual norms of the last step.
   */
  run(segs: readonly Segment<Op>[], state: State, steps: number, done: number): { state: State; primal: tf.Tensor1D; dual: tf.Tensor1D };
  /** Scaled iterate (a point of range(A)), residual to rank coordinates by, and dual estimate y ≈ sign(b − delta). */
  extract(segs: readonly Segment<Op>[], state: State): { delta: tf.Tensor2D; ranking: tf.Tensor2D; dual: tf.Tensor2D };
  dispose(): void;
}

interface Row<Op> {
  readonly index: number; // position in the batch
  readonly group: number;
  readonly basis: Basis;
  readonly op: Op;
  scale: number; // s: B = s b
  nextAttempt: number; // backoff schedule of certification attempts
  kept?: Uint8Array; // kept set (polish's rule) at the previous check
  failedKept?: Uint8Array; // kept set of the last failed attempt
  keptFactor?: KeptSetFactor; // the last attempt's least-squares factor, which the next attempt updates
  primal: number;
  dual: number;
}

/**
 * Solve a batch with a first-order method; see the module comment for the schedule. All subspaces of the batch
 * iterate together (one [K, m] state), so the per-operation overhead is paid once per step, not once per subspace.
 */
export async function solveFirstOrder<Op>(
  name: string,
  method: FirstOrderMethod<Op>,
  opts: FirstOrderOptions,
  initialScale: number,
  problems: readonly L1Problem[],
): Promise<SolveResult[]> {
  assertBackend(name);
  checkBatchShape(problems);
  const t0 = performance.now();
  const results: (SolveResult | undefined)[] = new Array(problems.length);
  method.newBatch();
  let rows = initialRows(method, opts, initialScale, problems, results);
  if (rows.length > 0) {
    const m = problems[0].A.m;
    const polishOpts = typeof opts.certify === 'object' ? opts.certify : {};
    let segs = segmentsOf(rows);
    if (method.project) await unitsOnDevice(method, segs, rows, problems, initialScale);
    const B = stackRows(rows.map((r) => problems[r.index].b), m, rows.map((r) => r.scale));
    let state: State = {};
    let k = 0;
    try {
      state = tf.tidy(() => method.init(segs, tf.tensor2d(B, [rows.length, m])));
      while (rows.length > 0) {
        const next = k < opts.firstCheck ? opts.firstCheck : (Math.floor(k / opts.checkEvery) + 1) * opts.checkEvery;
        const steps = Math.max(1, Math.min(next, opts.maxIterations) - k);
        const out = method.run(segs, state, steps, k);
        state = out.state;
        k += steps;
        const res = await relativeResiduals(out.primal, out.dual, state.B, method.dualNorm);
        rows.forEach((row, j) => {
          row.primal = res.primal[j];
          row.dual = res.dual[j];
        });
        const verdicts = await decide(method, segs, state, rows, k, opts, polishOpts, problems);
        const keep: number[] = [];
        const factors: number[] = [];
        verdicts.forEach((v, j) => {
          if (v.result) results[rows[j].index] = v.result;
          else {
            keep.push(j);
            factors.push(v.factor);
          }
        });
        state = compactAndRescale(method, state, keep, factors, rows.length);
        rows = keep.map((j, t) => {
          rows[j].scale *= factors[t];
          return rows[j];
        });
        segs = segmentsOf(rows);
      }
    } finally {
      for (const t of Object.values(state)) t.dispose();
    }
  }
  const ms = (performance.now() - t0) / Math.max(1, problems.length);
  return results.map((r) => ({ ...r!, solveMs: ms }));
}

/** One row per valid problem, grouped by subspace; invalid problems and rank-0 subspaces are answered directly. */
function initialRows<Op>(
  method: FirstOrderMethod<Op>,
  opts: FirstOrderOptions,
  initialScale: number,
  problems: readonly L1Problem[],
  results: (SolveResult | undefined)[],
): Row<Op>[] {
  const rows: Row<Op>[] = [];
  groupBatch(problems, results).forEach((group: Group, g) => {
    const basis = orthonormalBasis(group.A);
    if (basis.r === 0) {
      // range(A) = {0}: delta = 0 is the only feasible point.
      for (const k of group.indices) results[k] = exactZero(problems[k].b);
      return;
    }
    const op = method.operator(group.A, basis);
    for (const index of group.indices) {
      // s = initialScale / median|b − P b|: the least-squares residual sets the units (on the device, after this,
      // when the method can project there).
      const scale = method.project ? 1 : initialScale / residualScale(basis, problems[index].b);
      rows.push({ index, group: g, basis, op, scale, nextAttempt: opts.firstCheck, primal: NaN, dual: NaN });
    }
  });
  return rows;
}

function segmentsOf<Op>(rows: readonly Row<Op>[]): Segment<Op>[] {
  const segs: { op: Op; count: number; group: number }[] = [];
  for (const row of rows) {
    const last = segs[segs.length - 1];
    if (last && last.group === row.group) last.count++;
    else segs.push({ op: row.op, count: 1, group: row.group });
  }
  return segs;
}

interface Verdict {
  result?: SolveResult;
  factor: number;
}

/**
 * Per-row decision at a check: certified / converged / capped (a result), or continue with a rescale factor.
 * Certification attempts follow the trigger rule of the module comment.
 */
async function decide<Op>(
  method: FirstOrderMethod<Op>,
  segs: readonly Segment<Op>[],
  state: State,
  rows: Row<Op>[],
  k: number,
  opts: FirstOrderOptions,
  polishOpts: PolishOptions,
  problems: readonly L1Problem[],
): Promise<Verdict[]> {
  const certify = opts.certify !== false;
  const converged = rows.map((row) => row.primal <= opts.epsPrimal && row.dual <= opts.epsDual);
  const capped = k >= opts.maxIterations;
  const snap = certify || capped || converged.some(Boolean) ? await download(method, segs, state) : undefined;
  const { zeroTol, gapRatio } = { ...POLISH_DEFAULTS, ...polishOpts };
  return rows.map((row, j): Verdict => {
    if (!snap) return { factor: balance(row, opts) };
    const b = problems[row.index].b;
    const m = b.length;
    const delta = new Float64Array(m);
    const ranking = new Float64Array(m);
    for (let i = 0; i < m; i++) {
      delta[i] = snap.delta[j * m + i] / row.scale;
      ranking[i] = snap.ranking[j * m + i] / row.scale;
    }
    const base = { iterations: k, primalResidual: row.primal, dualResidual: row.dual, solveMs: 0 };
    const done = converged[j] || capped;
    if (!certify) {
      if (!done) return { factor: balance(row, opts) };
      return { factor: 1, result: { ...base, delta, objective: l1Distance(b, delta), status: converged[j] ? 'converged' : 'max_iterations' } };
    }
    const tol = zeroTol * maxAbs(b);
    if (!done && method.sparseRanking && countAtMost(ranking, tol) < row.basis.r) {
      row.kept = undefined;
      return { factor: balance(row, opts) };
    }
    const kept = maskOf(keptSet(ranking, row.basis.r, tol, gapRatio), m);
    const stable = row.kept !== undefined && sameMask(kept, row.kept) && !(row.failedKept && sameMask(kept, row.failedKept));
    row.kept = kept;
    if (!(done || stable || k >= row.nextAttempt)) return { factor: balance(row, opts) };
    const dual = snap.dual.subarray(j * m, (j + 1) * m);
    const out = polishPoint(row.basis, b, delta, polishOpts, { ranking, dual, previous: row.keptFactor });
    row.keptFactor = out.certified || done ? undefined : out.factor; // a finished row needs it no more
    if (out.certified) {
      return { factor: 1, result: { ...base, delta: out.delta, objective: out.objective, status: 'converged', message: 'certified optimal (polish + dual certificate)' } };
    }
    if (done) {
      const message = out.accepted ? 'polished, not certified' : 'not certified';
      return { factor: 1, result: { ...base, delta: out.delta, objective: out.objective, status: converged[j] ? 'converged' : 'max_iterations', message } };
    }
    row.failedKept = kept;
    // After a failed attempt at an early first check, the next one is due at the first regular check.
    row.nextAttempt = k < opts.checkEvery ? opts.checkEvery : k + Math.max(opts.checkEvery, Math.floor(opts.backoff * k));
    return { factor: balance(row, opts) };
  });
}

function countAtMost(x: Float64Array, tol: number): number {
  let count = 0;
  for (let i = 0; i < x.length; i++) if (Math.abs(x[i]) <= tol) count++;
  return count;
}

function maskOf(S: Int32Array, m: number): Uint8Array {
  const mask = new Uint8Array(m);
  for (const i of S) mask[i] = 1;
  return mask;
}

function sameMask(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Residual balancing: the factor to multiply the problem's scale by. */
function balance<Op>(row: Row<Op>, opts: FirstOrderOptions): number {
  if (!opts.adapt) return 1;
  if (row.primal > opts.mu * row.dual) return opts.tau;
  if (row.dual > opts.mu * row.primal) return 1 / opts.tau;
  return 1;
}

/** Relative residuals per row: primal / ||B_j||₂ and dual / ||B_j||₂ (or / sqrt(m), see FirstOrderMethod.dualNorm). */
async function relativeResiduals(primal: tf.Tensor1D, dual: tf.Tensor1D, B: tf.Tensor2D, dualNorm: 'b' | 'sqrtm' | undefined) {
  const bNorm = tf.tidy(() => tf.norm(B, 'euclidean', 1) as tf.Tensor1D);
  const [p, d, n] = await Promise.all([primal.data(), dual.data(), bNorm.data()]);
  tf.dispose([primal, dual, bNorm]);
  const sqrtM = Math.sqrt(B.shape[1]);
  return {
    primal: Float64Array.from(p, (x, j) => x / (n[j] || 1)),
    dual: Float64Array.from(d, (x, j) => x / (dualNorm === 'sqrtm' ? sqrtM : n[j] || 1)),
  };
}

async function download<Op>(method: FirstOrderMethod<Op>, segs: readonly Segment<Op>[], state: State) {
  const t = method.extract(segs, state);
  const [delta, ranking, dual] = await Promise.all([t.delta.data(), t.ranking.data(), t.dual.data()]);
  tf.dispose([t.delta, t.ranking, t.dual]);
  return { delta, ranking, dual };
}

/** Drop finished rows (gather) and rescale the scale-dependent tensors of the rows that continue. */
function compactAndRescale<Op>(method: FirstOrderMethod<Op>, state: State, keep: number[], factors: number[], before: number): State {
  if (keep.length === 0) {
    for (const t of Object.values(state)) t.dispose();
    return {};
  }
  const gather = keep.length < before;
  const rescale = factors.some((f) => f !== 1);
  if (!gather && !rescale) return state;
  // The kept rows as runs of consecutive rows (usually a few long ones), cut with rowBlock: wasm's gather copies
  // element by element, several times slower than these block copies.
  const runs: [number, number][] = [];
  for (const j of keep) {
    const last = runs[runs.length - 1];
    if (last && last[0] + last[1] === j) last[1]++;
    else runs.push([j, 1]);
  }
  const next = tf.tidy(() => {
    const f = rescale ? tf.tensor2d(factors, [factors.length, 1]) : undefined;
    const out: State = {};
    for (const [key, t] of Object.entries(state)) {
      let x = gather ? (runs.length === 1 ? rowBlock(t, ...runs[0]) : (tf.concat(runs.map(([start, count]) => rowBlock(t, start, count)), 0) as tf.Tensor2D)) : t;
      if (f && method.scaledKeys.includes(key)) x = tf.mul(x, f);
      out[key] = x === t ? tf.clone(t) : x;
    }
    return out;
  });
  for (const t of Object.values(state)) t.dispose();
  return next;
}

/**
 * The rows' scales from least-squares residuals b − P b computed for the whole batch on the device (two GEMMs per
 * subspace, against 2·m·r multiply-adds per problem in JS) and read back once; the median and floor as in
 * residualScale. The residual is float32 here, which moves a scale by ≈1e-7 relative: the units, not the answer.
 */
async function unitsOnDevice<Op>(method: FirstOrderMethod<Op>, segs: readonly Segment<Op>[], rows: Row<Op>[], problems: readonly L1Problem[], initialScale: number): Promise<void> {
  const m = problems[0].A.m;
  const residual = tf.tidy(() => {
    const B = tf.tensor2d(stackRows(rows.map((r) => problems[r.index].b), m), [rows.length, m]);
    return tf.sub(B, method.project!(segs, B));
  });
  const values = await residual.data();
  residual.dispose();
  rows.forEach((row, j) => {
    const b = problems[row.index].b;
    let squares = 0;
    for (let i = 0; i < m; i++) squares += b[i] * b[i];
    const units = Math.max(medianAbs(values.subarray(j * m, (j + 1) * m)), 1e-4 * Math.sqrt(squares / m)) || 1;
    row.scale = initialScale / units;
  });
}

/**
 * Units of a problem: median |b − P b| (the least-squares residual), floored at 1e-4·rms(b) so that the scaled
 * problem b̃ = s b stays within float32's useful range when b is (nearly) in range(A).
 */
function residualScale(basis: Basis, b: Float64Array): number {
  const { m, r, Q } = basis;
  const c = new Float64Array(r); // Qᵀ b
  for (let i = 0; i < m; i++) {
    const bi = b[i];
    const base = i * r;
    for (let a = 0; a < r; a++) c[a] += bi * Q[base + a];
  }
  const res = new Float64Array(m); // |b − Q Qᵀ b|
  let squares = 0;
  for (let i = 0; i < m; i++) {
    const base = i * r;
    let s = 0;
    for (let a = 0; a < r; a++) s += Q[base + a] * c[a];
    res[i] = Math.abs(b[i] - s);
    squares += b[i] * b[i];
  }
  const med = medianAbs(res);
  const rms = Math.sqrt(squares / m);
  return Math.max(med, 1e-4 * rms) || 1;
}

function exactZero(b: Float64Array): SolveResult {
  const delta = new Float64Array(b.length);
  const objective = b.reduce((s, bi) => s + Math.abs(bi), 0);
  return { delta, objective, status: 'converged', message: 'range(A) = {0}', iterations: 0, primalResidual: 0, dualResidual: 0, solveMs: 0 };
}
