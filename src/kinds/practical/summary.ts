/**
 * summary.csv of a practical experiment: one row per cell, accuracies averaged over its trials (percent), errors
 * and times as medians, next to the Gaussian l1 theory's ε*(n/m) for the first layer.
 */
import { cellFields, type CellFields } from '../../networks/records.ts';
import { maxOf, mean, median, shareOf } from '../../report/stats.ts';
import { theoryCorruption } from '../../theory/phase-transition.ts';
import { groupBy, round } from '../../util/collections.ts';
import type { PracticalTrialRecord } from './records.ts';

export interface PracticalSummaryRow extends CellFields, Pick<PracticalTrialRecord, 'features' | 'params' | 'corruption' | 'clean_acc' | 'contaminated_acc' | 'purified_acc'> {
  readonly n_over_m: number;
  readonly trials: number;
  /** Share of trials whose purified accuracy is within the margin of clean. */
  readonly restored_rate: number;
  /** Share of trials with exact recovery (relative error ≤ tolerance). */
  readonly success_rate: number;
  readonly theory_corruption: number;
  readonly median_rel_error: number | null;
  readonly detect_precision: number | null;
  readonly detect_recall: number | null;
  /** Largest off-subspace share over the layers, median over trials. */
  readonly median_off_subspace: number | null;
  readonly failures: number;
  readonly median_train_ms: number | null;
  readonly median_solve_ms: number | null;
}

export const PRACTICAL_COLUMNS: readonly (keyof PracticalSummaryRow)[] = [
  'sweep', 'dataset', 'network', 'variant', 'solver', 'train_samples', 'subspace_inputs', 'features', 'params', 'n_over_m',
  'corruption', 'trials', 'clean_acc', 'contaminated_acc', 'purified_acc', 'restored_rate', 'success_rate', 'theory_corruption',
  'median_rel_error', 'detect_precision', 'detect_recall', 'median_off_subspace', 'failures', 'median_train_ms', 'median_solve_ms', 'cell',
];

export function summarizePractical(records: readonly PracticalTrialRecord[]): PracticalSummaryRow[] {
  return [...groupBy(records, (r) => r.cell).values()].map((trials) => {
    const first = trials[0];
    const ok = trials.filter((t) => t.status !== 'failed');
    return {
      ...cellFields(first),
      features: first.features,
      params: first.params,
      n_over_m: round(first.subspace_inputs / first.params, 6),
      corruption: first.corruption,
      trials: trials.length,
      clean_acc: mean(trials.map((t) => t.clean_acc)),
      contaminated_acc: mean(trials.map((t) => t.contaminated_acc)),
      purified_acc: mean(trials.map((t) => t.purified_acc)),
      restored_rate: shareOf(trials, (t) => t.restored),
      success_rate: shareOf(trials, (t) => t.success),
      theory_corruption: round(theoryCorruption(first.subspace_inputs, first.params), 6),
      median_rel_error: median(trials.map((t) => t.rel_error)),
      detect_precision: mean(ok.map((t) => t.detect_precision)),
      detect_recall: mean(ok.map((t) => t.detect_recall)),
      median_off_subspace: median(trials.map((t) => maxOf(t.off_subspace))),
      failures: trials.length - ok.length,
      median_train_ms: median(trials.map((t) => t.train_ms)),
      median_solve_ms: median(trials.map((t) => t.solve_ms)),
    };
  });
}
