/**
 * The exact reference: the l1 problem as a linear program in HiGHS (float64, wasm build of the `highs` package).
 *
 *     minimise   Σ_i (s⁺_i + s⁻_i)
 *     subject to A u + s⁺ − s⁻ = b,    u free (n),  s⁺ ≥ 0, s⁻ ≥ 0 (m each)
 *
 * Columns [u | s⁺ | s⁻] in compressed sparse column form: column j < n holds the nonzeros of A's column j, then
 * +1 and −1 identity columns. One persistent model per problem, always disposed. The answer is delta = A u
 * (computed in float64 from A and u). Problems are solved one after another (HiGHS is single-threaded here).
 */
import loadHighs from 'highs';
import * as z from 'zod';
import type { Shape } from '../schema/define.ts';
import { defineSolver } from './define.ts';
import { invalidReason, checkBatchShape, failedResult, l1Distance } from './linalg.ts';
import type { L1Problem, SolveResult, Solver } from './types.ts';

export const highsOptions = z.strictObject({
  algorithm: z.enum(['choose', 'simplex', 'ipm']).default('choose').describe("HiGHS LP algorithm ('choose': HiGHS decides)"),
  timeLimitSeconds: z.number().gt(0).default(600).describe('time limit per problem; a problem that hits it is recorded as failed'),
});

export type HighsOptions = Shape<typeof highsOptions>;
export const HIGHS_DEFAULTS: HighsOptions = highsOptions.parse({});

type HighsModule = Awaited<ReturnType<typeof loadHighs>>;
let highsModule: Promise<HighsModule> | undefined;

/** Load the HiGHS wasm module once per process. */
function getHighs(): Promise<HighsModule> {
  highsModule ??= loadHighs();
  return highsModule;
}

/** HiGHS model status codes (types.d.ts ModelStatusCode) as text. */
const STATUS_TEXT: Record<number, string> = {
  0: 'not set', 1: 'load error', 2: 'model error', 3: 'presolve error', 4: 'solve error', 5: 'postsolve error',
  6: 'empty model', 7: 'optimal', 8: 'infeasible', 9: 'unbounded or infeasible', 10: 'unbounded',
  11: 'objective bound reached', 12: 'objective target reached', 13: 'time limit reached',
  14: 'iteration limit reached', 15: 'unknown', 16: 'solution limit reached', 17: 'interrupted',
};

export async function createHighs(options: Partial<HighsOptions> = {}): Promise<Solver> {
  const opts = { ...HIGHS_DEFAULTS, ...options };
  const highs = await getHighs();
  return {
    name: 'highs',
    async solve(problems: readonly L1Problem[]): Promise<SolveResult[]> {
      checkBatchShape(problems);
      return problems.map((p, k) => solveOne(highs, p, k, opts));
    },
  };
}

function solveOne(highs: HighsModule, problem: L1Problem, index: number, opts: HighsOptions): SolveResult {
  const t0 = performance.now();
  const m = problem.A.m;
  const invalid = invalidReason(problem, index);
  if (invalid) return failedResult(m, invalid, performance.now() - t0);
  let model: ReturnType<HighsModule['createModel']> | undefined;
  try {
    model = highs.createModel(buildLp(highs, problem));
    model.options.set({
      output_flag: false,
      solver: opts.algorithm,
      time_limit: opts.timeLimitSeconds,
    });
    model.run();
    const code = model.getModelStatus();
    const iterations = iterationCount(model);
    if (code !== 7) {
      return { ...failedResult(m, `problem ${index}: HiGHS status '${STATUS_TEXT[code] ?? code}'`, performance.now() - t0), iterations };
    }
    const delta = applyA(problem, model.getSolution().colValue);
    return { delta, status: 'optimal', iterations, objective: l1Distance(problem.b, delta), solveMs: performance.now() - t0 };
  } catch (err) {
    const text = err instanceof Error ? err.message : String(err);
    return failedResult(m, `problem ${index}: HiGHS threw: ${text.split('\n')[0]}`, performance.now() - t0);
  } finally {
    model?.dispose();
  }
}

/** LP data with the constraint matrix [A | I | −I] in CSC form (typed arrays, float64 values). */
function buildLp(highs: HighsModule, { A, b }: L1Problem) {
  const { m, n, data } = A;
  let nnzA = 0;
  for (let t = 0; t < data.length; t++) if (data[t] !== 0) nnzA++;
  const numCols = n + 2 * m;
  const starts = new Int32Array(numCols + 1);
  const indices = new Int32Array(nnzA + 2 * m);
  const values = new Float64Array(nnzA + 2 * m);
  let pos = 0;
  for (let j = 0; j < n; j++) {
    starts[j] = pos;
    for (let i = 0; i < m; i++) {
      const a = data[i * n + j];
      if (a !== 0) {
        indices[pos] = i;
        values[pos++] = a;
      }
    }
  }
  for (const sign of [1, -1]) {
    const offset = sign === 1 ? n : n + m;
    for (let i = 0; i < m; i++) {
      starts[offset + i] = pos;
      indices[pos] = i;
      values[pos++] = sign;
    }
  }
  starts[numCols] = pos;
  const inf = highs.infinity;
  const colCost = new Float64Array(numCols).fill(1, n);
  const colLower = new Float64Array(numCols).fill(-inf, 0, n);
  const colUpper = new Float64Array(numCols).fill(inf);
  const rhs = Float64Array.from(b);
  return {
    numCols,
    numRows: m,
    colCost,
    colLower,
    colUpper,
    rowLower: rhs,
    rowUpper: rhs,
    matrix: { format: 'csc' as const, numRows: m, numCols, starts, indices, values },
  };
}

/** delta = A u in float64, u = the first n LP columns. */
function applyA({ A }: L1Problem, colValue: Float64Array): Float64Array {
  const { m, n, data } = A;
  const delta = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += data[i * n + j] * colValue[j];
    delta[i] = s;
  }
  return delta;
}

function iterationCount(model: { info: { get(name: string): number | bigint } }): number | undefined {
  let total = 0;
  for (const name of ['simplex_iteration_count', 'ipm_iteration_count', 'crossover_iteration_count']) {
    try {
      total += Number(model.info.get(name));
    } catch {
      // not available for this run
    }
  }
  return total;
}

// HiGHS holds the LP in float64 with its own copies of the constraint matrix: 44× the float32 subspace, measured.
export const highs = defineSolver('highs', 'exact LP in HiGHS (float64), the reference', highsOptions, createHighs, 45);
