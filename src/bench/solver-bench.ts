/**
 * Solver timing on the harness's own recovery problems: the same problems a sweep would build (a trained
 * network's A_W, or the Gaussian ablation), several corruption levels per subspace, solved one at a time and
 * as one batch. Timings are medians over repetitions; nothing here is a pass/fail test.
 */
import { synthetic } from '../kinds/synthetic/index.ts';
import { prepareTrials, type PreparedTrial } from '../kinds/synthetic/trial.ts';
import { buildPlan } from '../plan/plan.ts';
import { resolveAs } from '../plan/resolve.ts';
import { relativeError } from '../recovery/measure.ts';
import { median } from '../report/stats.ts';
import type { SolverPool } from '../solvers/pool.ts';
import type { SolverSpec } from '../solvers/registry.ts';
import type { SolveResult } from '../solvers/types.ts';

export interface BenchShape {
  readonly m: number;
  readonly n: number;
  readonly subspace: 'cnn' | 'gaussian';
}

export interface SolverTiming {
  readonly solver: string;
  readonly shape: BenchShape;
  /** Median over repetitions of the time per problem, solving one problem per call. */
  readonly msPerProblemBatch1: number;
  /** Median over repetitions of the time per problem, all problems in one call (null: not batched). */
  readonly msPerProblemBatched: number | null;
  readonly batchSize: number;
  /** Estimated matmul work of the iterations divided by the batched time (null when not meaningful). */
  readonly gflops: number | null;
  /** Share of problems whose success decision equals HiGHS's, over the problems HiGHS solved. */
  readonly agreement: number | null;
  readonly successRate: number;
}

/** Hidden-layer recovery problems of shape m×n: width m/9 (k = 8), n training inputs, ε ∈ [0, 0.8]. */
export async function benchProblems(root: string, shape: BenchShape, subspaces: number, levels: number, pool: SolverPool): Promise<PreparedTrial[]> {
  const width = shape.m / 9;
  if (!Number.isInteger(width)) throw new Error(`bench: m = ${shape.m} is not 9 × a width (hidden layer with k = 8)`);
  const fractions = Array.from({ length: levels }, (_, i) => Number(((0.8 * i) / (levels - 1)).toFixed(6)));
  const resolved = resolveAs(synthetic, 'synthetic-sweep', {
    root,
    trials: subspaces,
    sets: [
      `recovery.subspace=${shape.subspace}`,
      'sweeps={}',
      `sweeps.bench.grid.model.width=${width}`,
      `sweeps.bench.grid.data.samples=${shape.n}`,
      `sweeps.bench.grid.contamination.fraction=[${fractions.join(',')}]`,
    ],
  });
  const plan = buildPlan(resolved.cells.filter((c) => c.sweep === 'bench'));
  const { prepared } = await prepareTrials(plan.trials, pool);
  return prepared;
}

export function succeeded(p: PreparedTrial, r: SolveResult): boolean {
  return r.status !== 'failed' && relativeError(r.delta, p.instance.delta) <= p.task.config.recovery.tolerance;
}

/** Matmul work per iteration and problem, by solver (the dominant term; see each solver's module). */
function flopsPerIteration(solver: string, m: number, n: number): number | null {
  if (solver === 'admm' || solver === 'pdhg') return 4 * m * n; // two m×n products (A or its basis) per iteration
  if (solver === 'irls') return 2 * m * n * n; // the weighted Gram matrix AᵀWA
  if (solver === 'active-set') return 2 * m * n; // one edge direction w = Q d per vertex step (r ≤ n)
  return null;
}

export async function timeSolver(
  spec: SolverSpec,
  problems: readonly PreparedTrial[],
  reference: Map<PreparedTrial, boolean> | undefined,
  options: { repetitions: number; batch1: number; batched: boolean },
  pool: SolverPool,
): Promise<Omit<SolverTiming, 'shape'>> {
  const solver = await pool.get(spec);
  const singles = spread(problems, options.batch1);
  const batch1: number[] = [];
  const batched: number[] = [];
  let results: SolveResult[] = [];
  for (let rep = 0; rep < options.repetitions; rep++) {
    let t = performance.now();
    for (const p of singles) await solver.solve([p.problem]);
    batch1.push((performance.now() - t) / singles.length);
    if (options.batched) {
      t = performance.now();
      results = await solver.solve(problems.map((p) => p.problem));
      batched.push((performance.now() - t) / problems.length);
    }
  }
  if (!options.batched) results = await Promise.all(singles.map(async (p) => (await solver.solve([p.problem]))[0]));
  const solved = options.batched ? problems : singles;
  const decisions = solved.map((p, i) => succeeded(p, results[i]));
  const paired = reference ? solved.flatMap((p, i) => (reference.has(p) ? [reference.get(p) === decisions[i]] : [])) : [];
  const perIteration = flopsPerIteration(spec.name, problems[0].problem.A.m, problems[0].problem.A.n);
  const iterations = results.reduce((s, r) => s + (r.iterations ?? 0), 0);
  const time = options.batched ? median(batched)! : median(batch1)!;
  return {
    solver: spec.name,
    msPerProblemBatch1: median(batch1)!,
    msPerProblemBatched: options.batched ? median(batched)! : null,
    batchSize: options.batched ? problems.length : 1,
    gflops: perIteration === null ? null : (iterations * perIteration) / (time * 1e-3 * solved.length) / 1e9,
    agreement: paired.length ? paired.filter(Boolean).length / paired.length : null,
    successRate: decisions.filter(Boolean).length / decisions.length,
  };
}

/** `count` problems spread evenly over the list (so they cover every corruption level and subspace). */
export function spread<T>(items: readonly T[], count: number): T[] {
  if (count >= items.length) return [...items];
  return Array.from({ length: count }, (_, i) => items[Math.floor((i * items.length) / count)]);
}
