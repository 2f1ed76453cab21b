// Histogram of log10(relative recovery error). Exact recovery gives errors near machine precision and
// failures give errors of order one; a bimodal histogram with the tolerance in the gap shows that the
// success threshold does not decide the outcome.
import type { TopLevelSpec } from 'vega-lite';
import { PANEL, SERIES_PALETTE, THEORY_COLOR, titleBlock } from './style.ts';

export interface ErrorHistogramInput {
  title: string;
  /** One line, or several (an array is drawn one entry per line). */
  subtitle?: string | string[];
  /** Relative errors, >= 0. Exact zeros are drawn at `floor`. */
  values: number[];
  /** Success tolerance on the relative error, drawn as a vertical rule. */
  tolerance?: number;
  /** Stand-in for an error of exactly 0, default 1e-16. */
  floor?: number;
  /** Bin width in decades, default 0.25. */
  binWidth?: number;
  /** default 'log10(relative error)' */
  xTitle?: string;
  /** default 'runs' */
  yTitle?: string;
}

export interface HistogramBin {
  lo: number;
  hi: number;
  count: number;
}

export const DEFAULT_ERROR_FLOOR = 1e-16;

/** log10 of each error, with zeros (and anything below the floor) raised to the floor. */
export function log10Errors(values: readonly number[], floor = DEFAULT_ERROR_FLOOR): number[] {
  return values.map((v) => {
    if (!(v >= 0) || !Number.isFinite(v)) throw new Error(`errorHistogramSpec: relative error ${v} is not a finite number >= 0`);
    return Math.log10(Math.max(v, floor));
  });
}

/**
 * Bins of equal width aligned to multiples of `width` (so 0.25-decade bins start on whole decades),
 * covering every value; the top edge of the last bin is inclusive.
 */
export function binValues(values: readonly number[], width: number): HistogramBin[] {
  if (values.length === 0) return [];
  if (!(width > 0)) throw new Error(`binValues: bin width must be > 0, got ${width}`);
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const start = Math.floor(min / width) * width;
  const n = Math.max(1, Math.ceil((max - start) / width - 1e-9));
  const counts = new Array<number>(n).fill(0);
  for (const v of values) counts[Math.min(n - 1, Math.floor((v - start) / width + 1e-9))] += 1;
  return counts.map((count, i) => ({ lo: start + i * width, hi: start + (i + 1) * width, count }));
}

export function errorHistogramSpec(input: ErrorHistogramInput): TopLevelSpec {
  const width = input.binWidth ?? 0.25;
  const bins = binValues(log10Errors(input.values, input.floor), width);
  if (bins.length === 0) throw new Error('errorHistogramSpec: no values');
  const layers: object[] = [barLayer(bins, input)];
  // Whole decades at both ends, so the axis starts and ends on a labelled power of ten.
  let lo = Math.floor(bins[0].lo);
  let hi = Math.ceil(bins[bins.length - 1].hi);
  if (input.tolerance !== undefined) {
    if (!(input.tolerance > 0)) throw new Error(`errorHistogramSpec: tolerance must be > 0, got ${input.tolerance}`);
    const logTol = Math.log10(input.tolerance);
    // Keep the rule inside the plot even when every run lands on one side of it.
    lo = Math.min(lo, Math.floor(logTol - width));
    hi = Math.max(hi, Math.ceil(logTol + width));
    layers.push(toleranceLayer(logTol, input.tolerance));
  }
  const x = {
    type: 'quantitative',
    title: input.xTitle ?? 'log10(relative error)',
    scale: { domain: [lo, hi], nice: false, zero: false, padding: 0 },
    axis: { tickMinStep: 1, format: 'd' },
  };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: titleBlock(input.title, input.subtitle),
    ...PANEL,
    layer: layers.map((layer) => withX(layer, x)),
  } as TopLevelSpec;
}

/** Same x scale and axis on every layer, so vega-lite merges them into one axis. */
function withX(layer: object, x: object): object {
  const l = layer as { encoding: { x: object } };
  return { ...layer, encoding: { ...l.encoding, x: { ...l.encoding.x, ...x } } };
}

function barLayer(bins: HistogramBin[], input: ErrorHistogramInput): object {
  return {
    data: { values: bins },
    // rect, not bar: a bar with x, x2 and y is read as a horizontal range bar of fixed height.
    mark: { type: 'rect', color: SERIES_PALETTE[0], stroke: 'white', strokeWidth: 0.5 },
    encoding: {
      x: { field: 'lo' },
      x2: { field: 'hi' },
      y: {
        field: 'count',
        type: 'quantitative',
        title: input.yTitle ?? 'runs',
        scale: { zero: true, padding: 0 },
        axis: { tickMinStep: 1, format: 'd' },
      },
      y2: { datum: 0 },
      tooltip: [
        { field: 'lo', type: 'quantitative', title: 'log10 error from', format: '.2f' },
        { field: 'hi', type: 'quantitative', title: 'to', format: '.2f' },
        { field: 'count', type: 'quantitative', title: 'runs' },
      ],
    },
  };
}

function toleranceLayer(logTol: number, tolerance: number): object {
  return {
    data: { values: [{ x: logTol, label: `success tolerance ${tolerance.toExponential(0)}` }] },
    mark: { type: 'rule', strokeDash: [6, 4], strokeWidth: 2 },
    encoding: {
      x: { field: 'x' },
      stroke: {
        field: 'label',
        type: 'nominal',
        scale: { range: [THEORY_COLOR] },
        legend: { title: null, symbolType: 'stroke', symbolDash: [6, 4], symbolStrokeWidth: 2 },
      },
    },
  };
}
