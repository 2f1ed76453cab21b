/**
 * Solver comparison: the same trials (same network, same corruption: seeds do not depend on the solver) solved
 * by several solvers, each compared with the exact LP (`highs`) trial by trial.
 */
import { toCsv } from '../../report/csv.ts';
import { median } from '../../report/stats.ts';
import { canonicalJson } from '../../util/canonical.ts';
import type { SyntheticTrialRecord } from './records.ts';

export interface SolverRow {
  readonly solver: string;
  readonly trials: number;
  readonly successes: number;
  /** Trials that also ran under the reference solver. */
  readonly paired: number;
  /** Share of paired trials whose success decision equals the reference's. */
  readonly agreement: number | null;
  /** Paired trials the solver calls a success and the reference does not (and the reverse). */
  readonly false_successes: number;
  readonly false_failures: number;
  readonly median_rel_error: number | null;
  readonly median_solve_ms: number | null;
  readonly mean_solve_ms: number | null;
  /** Reference mean time per trial / this solver's, over the paired trials. */
  readonly speedup: number | null;
  readonly failures: number;
}

export const REFERENCE_SOLVER = 'highs';

/** The trial a record is, regardless of which solver ran it. */
function pairKey(r: SyntheticTrialRecord): string {
  const { solver: _solver, ...grid } = r.grid;
  return `${r.sweep}|${canonicalJson(grid)}|${r.trial}`;
}

/** One row per solver, in order of first appearance; null when no solver has a reference to compare with. */
export function compareSolvers(records: readonly SyntheticTrialRecord[]): SolverRow[] | null {
  const solvers = [...new Set(records.map((r) => r.solver))];
  if (solvers.length < 2) return null;
  const reference = new Map(records.filter((r) => r.solver === REFERENCE_SOLVER).map((r) => [pairKey(r), r]));
  return solvers.map((solver) => {
    const mine = records.filter((r) => r.solver === solver);
    const pairs = mine.flatMap((r) => {
      const ref = reference.get(pairKey(r));
      return ref ? [{ r, ref }] : [];
    });
    const agreeing = pairs.filter(({ r, ref }) => r.success === ref.success).length;
    const time = (rs: readonly SyntheticTrialRecord[]) => rs.reduce((s, r) => s + r.solve_ms, 0) / Math.max(1, rs.length);
    const mineTime = time(pairs.map((p) => p.r));
    return {
      solver,
      trials: mine.length,
      successes: mine.filter((r) => r.success).length,
      paired: pairs.length,
      agreement: pairs.length ? agreeing / pairs.length : null,
      false_successes: pairs.filter(({ r, ref }) => r.success && !ref.success).length,
      false_failures: pairs.filter(({ r, ref }) => !r.success && ref.success).length,
      median_rel_error: median(mine.map((r) => r.rel_error)),
      median_solve_ms: median(mine.map((r) => r.solve_ms)),
      mean_solve_ms: mine.length ? time(mine) : null,
      speedup: pairs.length && mineTime > 0 ? time(pairs.map((p) => p.ref)) / mineTime : null,
      failures: mine.filter((r) => r.status === 'failed').length,
    };
  });
}

export function solverCsv(rows: readonly SolverRow[]): string {
  return toCsv(rows, undefined, 6);
}

/** A fixed-width table for the terminal. */
export function solverTable(rows: readonly SolverRow[]): string {
  const fmt = (v: number | null, digits: number, suffix = '') => (v === null ? '—' : `${v.toFixed(digits)}${suffix}`);
  const lines = [
    ['solver', 'trials', 'agree w/ highs', 'false +', 'false −', 'median rel. error', 'median ms/trial', 'speed-up'],
    ...rows.map((r) => [
      r.solver,
      String(r.trials),
      r.agreement === null ? '—' : `${(100 * r.agreement).toFixed(2)}%`,
      String(r.false_successes),
      String(r.false_failures),
      r.median_rel_error === null ? '—' : r.median_rel_error.toExponential(1),
      fmt(r.median_solve_ms, 2),
      fmt(r.speedup, 1, '×'),
    ]),
  ];
  const widths = lines[0].map((_, c) => Math.max(...lines.map((l) => l[c].length)));
  return lines.map((l) => l.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ')).join('\n');
}
