/**
 * summary.csv of the practical and backdoor experiments: one row per cell, accuracies and rates averaged over
 * its trials (percent), errors and times as medians, next to the Gaussian l1 theory's ε*(n/m) for the first layer.
 */
import type { BackdoorTrialRecord } from '../practical/backdoor.ts';
import type { PracticalTrialRecord } from '../practical/pipeline.ts';
import type { BaseFields } from '../practical/records.ts';
import { theoryCorruption } from '../theory/phase-transition.ts';
import { groupBy, round } from '../util/collections.ts';
import { median } from './summary.ts';

export interface PracticalSummaryRow {
  readonly sweep: string;
  readonly cell: string;
  readonly dataset: string;
  readonly network: string;
  readonly variant: string;
  readonly solver: string;
  readonly train_samples: number;
  readonly subspace_inputs: number;
  readonly features: number;
  /** m of the first dense layer (F + 1). */
  readonly params: number;
  readonly n_over_m: number;
  readonly corruption: number;
  readonly trials: number;
  readonly clean_acc: number | null;
  readonly contaminated_acc: number | null;
  readonly purified_acc: number | null;
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

export interface BackdoorSummaryRow {
  readonly sweep: string;
  readonly cell: string;
  readonly dataset: string;
  readonly network: string;
  readonly variant: string;
  readonly solver: string;
  readonly train_samples: number;
  readonly subspace_inputs: number;
  readonly poison_rate: number;
  readonly target: number;
  readonly trials: number;
  readonly clean_acc: number | null;
  readonly asr_clean: number | null;
  readonly contaminated_acc: number | null;
  readonly asr_before: number | null;
  readonly purified_acc: number | null;
  readonly asr_after: number | null;
  readonly baseline_clean_acc: number | null;
  readonly baseline_asr_after: number | null;
  readonly median_attack_off_subspace: number | null;
  readonly median_rel_error_to_clean: number | null;
  readonly failures: number;
  readonly median_attack_ms: number | null;
  readonly median_finetune_ms: number | null;
  readonly median_solve_ms: number | null;
}

export const BACKDOOR_COLUMNS: readonly (keyof BackdoorSummaryRow)[] = [
  'sweep', 'dataset', 'network', 'variant', 'solver', 'train_samples', 'subspace_inputs', 'poison_rate', 'target', 'trials',
  'clean_acc', 'asr_clean', 'contaminated_acc', 'asr_before', 'purified_acc', 'asr_after', 'baseline_clean_acc', 'baseline_asr_after',
  'median_attack_off_subspace', 'median_rel_error_to_clean', 'failures', 'median_attack_ms', 'median_finetune_ms', 'median_solve_ms', 'cell',
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
      restored_rate: round(trials.filter((t) => t.restored).length / trials.length, 6),
      success_rate: round(trials.filter((t) => t.success).length / trials.length, 6),
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

export function summarizeBackdoor(records: readonly BackdoorTrialRecord[]): BackdoorSummaryRow[] {
  return [...groupBy(records, (r) => r.cell).values()].map((trials) => {
    const first = trials[0];
    return {
      ...cellFields(first),
      poison_rate: first.poison_rate,
      target: first.target,
      trials: trials.length,
      clean_acc: mean(trials.map((t) => t.clean_acc)),
      asr_clean: mean(trials.map((t) => t.asr_clean)),
      contaminated_acc: mean(trials.map((t) => t.contaminated_acc)),
      asr_before: mean(trials.map((t) => t.asr_before)),
      purified_acc: mean(trials.map((t) => t.purified_acc)),
      asr_after: mean(trials.map((t) => t.asr_after)),
      baseline_clean_acc: mean(trials.map((t) => t.baseline_clean_acc)),
      baseline_asr_after: mean(trials.map((t) => t.baseline_asr_after)),
      median_attack_off_subspace: median(trials.map((t) => maxOf(t.attack_off_subspace))),
      median_rel_error_to_clean: median(trials.map((t) => t.rel_error_to_clean)),
      failures: trials.filter((t) => t.status === 'failed').length,
      median_attack_ms: median(trials.map((t) => t.attack_ms)),
      median_finetune_ms: median(trials.map((t) => t.finetune_ms)),
      median_solve_ms: median(trials.map((t) => t.solve_ms)),
    };
  });
}

/** What identifies a cell in both summaries, taken from its first trial (cells group by these). */
function cellFields(first: BaseFields) {
  const { sweep, cell, dataset, network, variant, solver, train_samples, subspace_inputs } = first;
  return { sweep, cell, dataset, network, variant, solver, train_samples, subspace_inputs };
}

/** Mean of the finite values (4 decimals); null when there are none. */
export function mean(values: readonly (number | null | undefined)[]): number | null {
  const finite = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  return finite.length ? round(finite.reduce((a, b) => a + b, 0) / finite.length, 4) : null;
}

function maxOf(values: readonly (number | null)[]): number | null {
  const finite = values.filter((v): v is number => typeof v === 'number');
  return finite.length ? Math.max(...finite) : null;
}
