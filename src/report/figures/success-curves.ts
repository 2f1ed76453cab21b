// Success rate of exact recovery against corruption fraction, one line per series (e.g. solver),
// with the theory critical fraction as a dashed red rule; optionally one panel per width / size.
import type { TopLevelSpec } from 'vega-lite';
import { SERIES_PALETTE, THEORY_COLOR, distinctInOrder, expandToPanels, extent, kindFilter, panelled, referenceRule } from './style.ts';

export interface SuccessPoint {
  series: string;
  panel?: string;
  /** corruption fraction */
  x: number;
  /** success rate in [0, 1] */
  rate: number;
  trials?: number;
}

export interface TheoryMark {
  /** Omit to draw the rule in every panel. */
  panel?: string;
  x: number;
}

export interface SuccessCurvesInput {
  title: string;
  /** One line, or several (an array is drawn one entry per line). */
  subtitle?: string | string[];
  /** default 'corruption fraction ε' */
  xTitle?: string;
  /** default 'success rate' */
  yTitle?: string;
  /** Legend title of the series, default 'solver'. */
  seriesTitle?: string;
  /** Header title of the panels, e.g. 'width p'. */
  panelTitle?: string;
  columns?: number;
  points: SuccessPoint[];
  theory?: TheoryMark[];
  /** default 'theory ε*' */
  theoryLabel?: string;
}

export function successCurvesSpec(input: SuccessCurvesInput): TopLevelSpec {
  for (const p of input.points) {
    if (!(p.rate >= 0 && p.rate <= 1)) throw new Error(`successCurvesSpec: rate ${p.rate} outside [0, 1]`);
  }
  const panels = distinctInOrder(input.points.flatMap((p) => (p.panel === undefined ? [] : [p.panel])));
  // A critical fraction can be undefined (NaN) where the theory does not apply: no rule then.
  const theory = (input.theory ?? []).filter((t) => Number.isFinite(t.x));
  const theoryRows = expandToPanels(theory, panels).map((t) => ({
    kind: 'theory',
    ...t,
    label: input.theoryLabel ?? 'theory ε*',
  }));
  const obsRows = input.points.map((p) => ({ kind: 'obs', ...p }));
  const xDomain = extent([...input.points.map((p) => p.x), ...theoryRows.map((t) => t.x)]);
  const xTitle = input.xTitle ?? 'corruption fraction ε';
  // padding 0: vega-lite pads continuous scales under rule marks and then offsets the axis from the data.
  const x = { field: 'x', type: 'quantitative', title: xTitle, scale: { domain: xDomain, nice: false, zero: false, padding: 0 } };
  return panelled({
    title: input.title,
    subtitle: input.subtitle,
    rows: [...obsRows, ...theoryRows],
    panels,
    panelTitle: input.panelTitle,
    columns: input.columns,
    layers: [
      seriesLayer(input, x, distinctInOrder(input.points.map((p) => p.series))),
      ...(theoryRows.length > 0 ? [referenceRule('theory', { x }, THEORY_COLOR, 2)] : []),
    ],
  });
}

function seriesLayer(input: SuccessCurvesInput, x: object, series: string[]): object {
  return {
    transform: [kindFilter('obs')],
    mark: { type: 'line', point: { size: 36 }, strokeWidth: 2 },
    encoding: {
      x,
      y: {
        field: 'rate',
        type: 'quantitative',
        title: input.yTitle ?? 'success rate',
        scale: { domain: [0, 1], padding: 0 },
      },
      color: {
        field: 'series',
        type: 'nominal',
        title: input.seriesTitle ?? 'solver',
        scale: { domain: series, range: SERIES_PALETTE },
      },
      tooltip: [
        { field: 'series', type: 'nominal', title: input.seriesTitle ?? 'solver' },
        { field: 'x', type: 'quantitative', title: input.xTitle ?? 'corruption fraction ε', format: '~g' },
        { field: 'rate', type: 'quantitative', title: 'success rate', format: '.2f' },
        ...(input.points.every((p) => p.trials !== undefined) ? [{ field: 'trials', type: 'quantitative', title: 'trials' }] : []),
      ],
    },
  };
}

