/**
 * How much memory a plan asks for, estimated from its cells before anything runs: `--dry-run` prints it and a
 * run whose largest trial, times the workers that hold one each, would not fit under the limit is refused
 * (`--max-memory`). The estimate is the kind's largest subspace times its solver's measured workspace
 * (src/solvers/define.ts), plus the arrays the kind names, plus the fixed cost of a worker's runtime.
 */
import type { CommonConfig } from '../core/config.ts';
import type { Footprint } from '../core/kind.ts';
import type { Cell } from '../core/trial.ts';
import type { Issue } from '../schema/validate.ts';
import { solverWorkspace, SOLVER_NAMES, type SolverName } from '../solvers/registry.ts';

/** Node, tfjs and its wasm heap in one worker before a trial allocates anything (measured RSS: 246 MB). */
export const WORKER_BASE_BYTES = 256 * 2 ** 20;

/** Above this a trial gets a warning even when it fits: a user asking for it may not know. */
export const LARGE_TRIAL_BYTES = 2 ** 30;

export interface MemoryEstimate {
  /** Peak bytes of one trial of the most demanding cell, the worker's base included. */
  readonly perTrial: number;
  /** That cell, and what dominates it. */
  readonly cell: Cell<unknown>;
  readonly footprint: Footprint;
}

/** Peak bytes of one trial with this footprint. */
export function trialBytes(footprint: Footprint): number {
  const { m, n } = footprint.subspace;
  const workspace = Math.max(0, ...footprint.solvers.map((name) => (isSolverName(name) ? solverWorkspace(name) : 0)));
  return WORKER_BASE_BYTES + workspace * 4 * m * n + footprint.otherBytes;
}

/** The most demanding cell of a plan, or undefined for a kind that declares no footprint. */
export function estimateMemory<C extends CommonConfig>(footprintOf: ((config: C) => Footprint) | undefined, cells: readonly Cell<C>[]): MemoryEstimate | undefined {
  if (!footprintOf) return undefined;
  let best: MemoryEstimate | undefined;
  for (const cell of cells) {
    const footprint = footprintOf(cell.config);
    const perTrial = trialBytes(footprint);
    if (!best || perTrial > best.perTrial) best = { perTrial, cell, footprint };
  }
  return best;
}

/** Workers hold one trial each at a time, so the run needs at most min(workers, trials) of the largest. */
export function runBytes(estimate: MemoryEstimate, workers: number, trials: number): number {
  return estimate.perTrial * Math.max(1, Math.min(workers, trials));
}

/** "1.8 GB", "420 MB": decimal units, as `free -h` and `top` show them in this size range. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`;
  return `${Math.max(1, Math.round(bytes / 1e6))} MB`;
}

/** One line for `--dry-run` and the warning: the cell, its subspace, the per-trial and whole-run estimates. */
export function describeEstimate(estimate: MemoryEstimate, workers: number, trials: number): string {
  const { m, n } = estimate.footprint.subspace;
  const params = Object.entries(estimate.cell.params).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ');
  const where = params ? `${estimate.cell.sweep} (${params})` : estimate.cell.sweep;
  const held = Math.max(1, Math.min(workers, trials));
  return `memory: largest trial ≈ ${formatBytes(estimate.perTrial)} in ${where}: subspace ${m} × ${n} (${formatBytes(4 * m * n)} in float32) through ${estimate.footprint.solvers.join(', ')}; ${held} worker(s) ≈ ${formatBytes(runBytes(estimate, workers, trials))}`;
}

/** The refusal of a run that would not fit under `limit` bytes, or undefined when it fits. */
export function memoryIssue(estimate: MemoryEstimate, workers: number, trials: number, limit: number): Issue | undefined {
  if (runBytes(estimate, workers, trials) <= limit) return undefined;
  const fewer = estimate.perTrial <= limit ? `, or run fewer workers (--workers ${Math.max(1, Math.floor(limit / estimate.perTrial))})` : '';
  return {
    path: ['sweeps', estimate.cell.sweep],
    message: `${describeEstimate(estimate, workers, trials)}, more than the limit of ${formatBytes(limit)}; shrink the cell${fewer}, or raise the limit with --max-memory (GB)`,
  };
}

function isSolverName(name: string): name is SolverName {
  return (SOLVER_NAMES as readonly string[]).includes(name);
}
