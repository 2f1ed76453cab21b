/**
 * summary.csv of a synthetic experiment: one row per cell, aggregated over its trials, next to the l1 theory's
 * critical fraction for that cell's n/m.
 */
import { median } from '../../report/stats.ts';
import { theoryCorruption } from '../../theory/phase-transition.ts';
import { groupBy, round } from '../../util/collections.ts';
import type { SyntheticTrialRecord } from './records.ts';

/** A cell's identity, as every one of its trials records it. */
type CellFields = Pick<SyntheticTrialRecord, 'sweep' | 'cell' | 'layer' | 'subspace' | 'mode' | 'solver' | 'width' | 'samples' | 'params' | 'steps' | 'lr' | 'corruption'>;

export interface SyntheticSummaryRow extends CellFields {
  readonly n_over_m: number;
  readonly trials: number;
  readonly successes: number;
  readonly success_rate: number;
  readonly stable_successes: number;
  /** Share of trials recovered to within `stability` × the update's distance from the subspace. */
  readonly stable_success_rate: number;
  /** ε*(n/m) from RESEARCH.md §5; 0 when samples ≥ params. */
  readonly theory_corruption: number;
  readonly median_rel_error: number | null;
  readonly median_solve_ms: number;
  /** Trials whose solver or training failed outright (status 'failed'). */
  readonly failures: number;
  readonly median_iterations: number | null;
  readonly median_flipped_share: number | null;
  readonly median_off_subspace: number | null;
}

export const SYNTHETIC_COLUMNS: readonly (keyof SyntheticSummaryRow)[] = [
  'sweep', 'layer', 'subspace', 'mode', 'solver', 'width', 'samples', 'params', 'n_over_m', 'steps', 'lr', 'corruption',
  'trials', 'successes', 'success_rate', 'stable_successes', 'stable_success_rate', 'theory_corruption', 'median_rel_error', 'median_solve_ms', 'failures',
  'median_iterations', 'median_flipped_share', 'median_off_subspace', 'cell',
];

/** Rows in order of first appearance of each cell in `records` (plan order after finalize). */
export function summarize(records: readonly SyntheticTrialRecord[]): SyntheticSummaryRow[] {
  return [...groupBy(records, (r) => r.cell).values()].map(summarizeCell);
}

function summarizeCell(trials: SyntheticTrialRecord[]): SyntheticSummaryRow {
  const first = trials[0];
  const successes = trials.filter((t) => t.success).length;
  const stable = trials.filter((t) => t.stable_success).length;
  return {
    sweep: first.sweep,
    cell: first.cell,
    layer: first.layer,
    subspace: first.subspace,
    mode: first.mode,
    solver: first.solver,
    width: first.width,
    samples: first.samples,
    params: first.params,
    n_over_m: round(first.samples / first.params, 6),
    steps: first.steps,
    lr: first.lr,
    corruption: first.corruption,
    trials: trials.length,
    successes,
    success_rate: round(successes / trials.length, 6),
    stable_successes: stable,
    stable_success_rate: round(stable / trials.length, 6),
    theory_corruption: round(theoryCorruption(first.samples, first.params), 6),
    median_rel_error: median(trials.map((t) => t.rel_error)),
    median_solve_ms: median(trials.map((t) => t.solve_ms)) ?? 0,
    failures: trials.filter((t) => t.status === 'failed').length,
    median_iterations: median(trials.map((t) => t.iterations)),
    median_flipped_share: median(trials.map((t) => t.flipped_share)),
    median_off_subspace: median(trials.map((t) => t.off_subspace)),
  };
}
