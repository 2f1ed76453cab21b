/**
 * The figure kind of a backdoor-defences experiment: per attack, the defended network's clean accuracy and
 * attack success rate for every defence, next to the backdoored network.
 */
import * as z from 'zod';
import { defineFigure, type FigureContext, type NamedFigure } from '../../core/kind.ts';
import { backdoorBarsSpec, datasetName } from '../../networks/labels.ts';
import type { BarValue } from '../../report/figures/bars.ts';
import { figureName, splitRows } from '../../report/figures/split.ts';
import type { DefenceTrialRecord } from './records.ts';
import type { DefenceSummaryRow } from './summary.ts';

const TITLES: Record<string, string> = { attack: 'attack', poison_rate: 'poison rate', dataset: 'data set', network: 'network', solver: 'solver', train_samples: 'training inputs', subspace_inputs: 'benign inputs' };

const DEFENCE_LABELS: Record<string, string> = {
  none: 'no defence (backdoored)',
  'fine-tuning': 'fine-tuning',
  'fine-pruning': 'Fine-Pruning',
  anp: 'ANP',
  'purify-project': 'l1 purification (project)',
  'purify-detect-replace': 'l1 purification (detect-replace)',
};

const defenceBars = defineFigure(
  z.strictObject({
    kind: z.literal('defence-bars').describe('clean accuracy and attack success rate after each defence, one figure per attack'),
    title: z.string().default('').describe('figure title (default: one that says what is shown)'),
  }),
  (figure, { sweep, rows }: FigureContext<unknown, DefenceTrialRecord, DefenceSummaryRow>): NamedFigure[] =>
    splitRows(rows, ['attack', 'poison_rate', 'dataset', 'network', 'train_samples', 'subspace_inputs'] as const, (f) => TITLES[f] ?? f).map(({ label, rows: part }) => {
      const first = part[0];
      const bars: BarValue[] = [];
      for (const r of part) {
        const category = `${DEFENCE_LABELS[r.defence] ?? r.defence}${r.labels_used ? '' : r.defence === 'none' ? '' : ' *'}`;
        if (r.clean_acc !== null) bars.push({ category, metric: 'clean test accuracy', value: r.clean_acc });
        if (r.asr !== null) bars.push({ category, metric: 'attack success rate', value: r.asr });
      }
      const spec = backdoorBarsSpec(
        figure.title || `Backdoor defences on ${datasetName(first.dataset)}: ${first.attack} attack`,
        [
          `${first.network}, trigger → class ${first.target}, poison rate ${first.poison_rate}; every defence has the same ${first.benign_inputs} benign inputs (* = without their labels)`,
          `${first.trials} trial(s)${label ? `; ${label}` : ''}`,
        ],
        bars,
        210,
      );
      return { name: figureName(sweep, 'defences', label), spec };
    }),
);

/** The figure kinds a backdoor-defences config may ask for. */
export const DEFENCE_FIGURES = { 'defence-bars': defenceBars };
