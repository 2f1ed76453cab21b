/**
 * summary.csv of a backdoor experiment: one row per cell, clean accuracy and attack success rate before and after
 * purification and after the fine-tuning defence, averaged over its trials (percent); errors and times as medians.
 */
import { cellFields, type CellFields } from '../../networks/records.ts';
import { maxOf, mean, median } from '../../report/stats.ts';
import { groupBy } from '../../util/collections.ts';
import type { BackdoorTrialRecord } from './records.ts';

/** Accuracies and attack success rates (means over the cell's trials), beside the cell's identity and attack. */
type Scores = 'clean_acc' | 'asr_clean' | 'contaminated_acc' | 'asr_before' | 'purified_acc' | 'asr_after' | 'baseline_clean_acc' | 'baseline_asr_after';

export interface BackdoorSummaryRow extends CellFields, Pick<BackdoorTrialRecord, 'poison_rate' | 'target' | Scores> {
  readonly trials: number;
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
