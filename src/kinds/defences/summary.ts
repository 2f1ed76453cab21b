/**
 * summary.csv of a backdoor-defences experiment, tidy: one row per (cell, defence) — the defence is a grid axis —
 * with the defence, how many benign inputs it had and whether it used their labels, the defended network's clean
 * accuracy and attack success rate (means over trials, percent), the backdoored and clean networks' for reference,
 * and the cell's parameters.
 */
import { cellFields, type CellFields } from '../../networks/records.ts';
import { mean, median } from '../../report/stats.ts';
import { groupBy } from '../../util/collections.ts';
import type { DefenceTrialRecord } from './records.ts';

type Scores = 'clean_acc' | 'asr' | 'backdoored_acc' | 'backdoored_asr' | 'clean_model_acc' | 'clean_model_asr';

export interface DefenceSummaryRow extends Omit<CellFields, 'variant'>, Pick<DefenceTrialRecord, 'attack' | 'target' | 'poison_rate' | 'defence' | 'benign_inputs' | 'labels_used' | Scores> {
  readonly trials: number;
  readonly median_pruned_units: number | null;
  readonly median_rel_error_to_clean: number | null;
  readonly failures: number;
  readonly median_defence_ms: number | null;
}

export const DEFENCE_COLUMNS: readonly (keyof DefenceSummaryRow)[] = [
  'sweep', 'dataset', 'network', 'attack', 'target', 'poison_rate', 'defence', 'benign_inputs', 'labels_used', 'trials',
  'clean_acc', 'asr', 'backdoored_acc', 'backdoored_asr', 'clean_model_acc', 'clean_model_asr',
  'median_pruned_units', 'median_rel_error_to_clean', 'failures', 'median_defence_ms', 'solver', 'train_samples', 'subspace_inputs', 'cell',
];

export function summarizeDefences(records: readonly DefenceTrialRecord[]): DefenceSummaryRow[] {
  return [...groupBy(records, (r) => r.cell).values()].map((trials) => {
    const first = trials[0];
    const { variant: _variant, ...cell } = cellFields(first);
    const avg = (key: Scores) => mean(trials.map((t) => t[key]));
    return {
      ...cell,
      attack: first.attack,
      target: first.target,
      poison_rate: first.poison_rate,
      defence: first.defence,
      benign_inputs: first.benign_inputs,
      labels_used: first.labels_used,
      trials: trials.length,
      clean_acc: avg('clean_acc'),
      asr: avg('asr'),
      backdoored_acc: avg('backdoored_acc'),
      backdoored_asr: avg('backdoored_asr'),
      clean_model_acc: avg('clean_model_acc'),
      clean_model_asr: avg('clean_model_asr'),
      median_pruned_units: median(trials.map((t) => t.pruned_units)),
      median_rel_error_to_clean: median(trials.map((t) => t.rel_error_to_clean)),
      failures: trials.filter((t) => t.status === 'failed').length,
      median_defence_ms: median(trials.map((t) => t.defence_ms)),
    };
  });
}
