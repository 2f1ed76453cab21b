/**
 * The figure kind of a backdoor experiment: clean accuracy and attack success rate of the clean, backdoored,
 * purified and fine-tuned networks, side by side.
 */
import * as z from 'zod';
import { defineFigure, type FigureContext, type NamedFigure } from '../../core/kind.ts';
import { backdoorBarsSpec, datasetName, splitByCell } from '../../networks/labels.ts';
import type { BarValue } from '../../report/figures/bars.ts';
import { figureName } from '../../report/figures/split.ts';
import type { BackdoorTrialRecord } from './records.ts';
import type { BackdoorSummaryRow } from './summary.ts';

const backdoorBars = defineFigure(
  z.strictObject({
    kind: z.literal('backdoor-bars').describe('clean accuracy and attack success rate before and after purification, next to fine-tuning'),
    title: z.string().default('').describe('figure title (default: one that says what is shown)'),
  }),
  (figure, { sweep, rows }: FigureContext<unknown, BackdoorTrialRecord, BackdoorSummaryRow>): NamedFigure[] =>   splitByCell(rows, ['variant']).map(({ label, rows: part }) => {
    const first = part[0];
    const bars: BarValue[] = [];
    const add = (category: string, acc: number | null, asr: number | null) => {
      if (acc !== null) bars.push({ category, metric: 'clean test accuracy', value: acc });
      if (asr !== null) bars.push({ category, metric: 'attack success rate', value: asr });
    };
    add('clean network', first.clean_acc, first.asr_clean);
    add('backdoored', first.contaminated_acc, first.asr_before);
    for (const r of part) add(`purified (${r.variant})`, r.purified_acc, r.asr_after);
    add('fine-tuned (baseline)', first.baseline_clean_acc, first.baseline_asr_after);
    const spec = backdoorBarsSpec(
      figure.title || `Backdoor removal on ${datasetName(first.dataset)}: purification vs fine-tuning`,
      [
        `${first.network}, trigger → class ${first.target}, poison rate ${first.poison_rate}; ${first.subspace_inputs} benign inputs (purification: unlabeled; fine-tuning: labelled)`,
        `${first.trials} trial(s)${label ? `; ${label}` : ''}`,
      ],
      bars,
      175,
    );
    return { name: figureName(sweep, 'backdoor', label), spec };
  }),
);

/** The figure kinds a backdoor config may ask for. */
export const BACKDOOR_FIGURES = { 'backdoor-bars': backdoorBars };
