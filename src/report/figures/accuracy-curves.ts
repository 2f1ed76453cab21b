// Test accuracy against corruption fraction for the contaminated network and each purified variant,
// with the clean network's accuracy as a dashed reference line; optionally one panel per setting.
import type { TopLevelSpec } from 'vega-lite';
import { SERIES_PALETTE, distinctInOrder, expandToPanels, extent, kindFilter, panelled, referenceRule } from './style.ts';

export interface AccuracyPoint {
  /** e.g. 'contaminated', 'purified: project', 'purified: detect-replace' */
  variant: string;
  panel?: string;
  /** corruption fraction */
  x: number;
  /** test accuracy in percent, 0..100 */
  accuracy: number;
}

export interface CleanAccuracy {
  /** Omit to draw the line in every panel. */
  panel?: string;
  /** percent */
  accuracy: number;
}

export interface AccuracyCurvesInput {
  title: string;
  /** One line, or several (an array is drawn one entry per line). */
  subtitle?: string | string[];
  /** default 'corruption fraction ε' */
  xTitle?: string;
  /** default 'test accuracy (%)' */
  yTitle?: string;
  /** Legend title of the variants, default 'network'. */
  variantTitle?: string;
  panelTitle?: string;
  columns?: number;
  points: AccuracyPoint[];
  /** Clean accuracy: one number for all panels, or per panel. */
  clean?: number | CleanAccuracy[];
  /** default 'clean network' */
  cleanLabel?: string;
  /** y axis range, default [0, 100] */
  yDomain?: [number, number];
}

const CLEAN_COLOR = '#555';

export function accuracyCurvesSpec(input: AccuracyCurvesInput): TopLevelSpec {
  for (const p of input.points) {
    // Catches fractions passed where percentages are expected only when clearly out of range.
    if (!(p.accuracy >= 0 && p.accuracy <= 100)) throw new Error(`accuracyCurvesSpec: accuracy ${p.accuracy} outside [0, 100]`);
  }
  const panels = distinctInOrder(input.points.flatMap((p) => (p.panel === undefined ? [] : [p.panel])));
  const clean = typeof input.clean === 'number' ? [{ accuracy: input.clean }] : (input.clean ?? []);
  const cleanRows = expandToPanels(clean, panels).map((c) => ({
    kind: 'clean',
    ...c,
    label: input.cleanLabel ?? 'clean network',
  }));
  const xTitle = input.xTitle ?? 'corruption fraction ε';
  // padding 0: vega-lite pads continuous scales under rule marks and then offsets the axis from the data.
  const x = {
    field: 'x',
    type: 'quantitative',
    title: xTitle,
    scale: { domain: extent(input.points.map((p) => p.x)), nice: false, zero: false, padding: 0 },
  };
  const y = {
    field: 'accuracy',
    type: 'quantitative',
    title: input.yTitle ?? 'test accuracy (%)',
    scale: { domain: input.yDomain ?? [0, 100], padding: 0 },
  };
  const variants = distinctInOrder(input.points.map((p) => p.variant));
  return panelled({
    title: input.title,
    subtitle: input.subtitle,
    rows: [...input.points.map((p) => ({ kind: 'obs', ...p })), ...cleanRows],
    panels,
    panelTitle: input.panelTitle,
    columns: input.columns,
    // The clean line first, so the curves sit on top of it.
    layers: [...(cleanRows.length > 0 ? [referenceRule('clean', { y }, CLEAN_COLOR, 1.5)] : []), variantLayer(input, x, y, variants)],
  });
}

function variantLayer(input: AccuracyCurvesInput, x: object, y: object, variants: string[]): object {
  const variantTitle = input.variantTitle ?? 'network';
  return {
    transform: [kindFilter('obs')],
    mark: { type: 'line', point: { size: 36 }, strokeWidth: 2 },
    encoding: {
      x,
      y,
      color: { field: 'variant', type: 'nominal', title: variantTitle, scale: { domain: variants, range: SERIES_PALETTE } },
      tooltip: [
        { field: 'variant', type: 'nominal', title: variantTitle },
        { field: 'x', type: 'quantitative', title: input.xTitle ?? 'corruption fraction ε', format: '~g' },
        { field: 'accuracy', type: 'quantitative', title: 'accuracy (%)', format: '.2f' },
      ],
    },
  };
}

