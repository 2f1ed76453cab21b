// Shared look of every figure: one font (DejaVu Sans is the only face we can count on being
// installed, and resvg needs the same family to rasterise), white background, paper-sized text.
import type { Config, TopLevelSpec } from 'vega-lite';

export const FONT = 'DejaVu Sans';

/** Default size of one panel, in CSS pixels (the PNG is rendered at 2x). */
export const PANEL = { width: 480, height: 360 } as const;
/** Smaller panels when several sit side by side. */
export const SMALL_PANEL = { width: 300, height: 240 } as const;

/** Colour for theory marks: red stands apart from both the grey heatmap and the categorical palette. */
export const THEORY_COLOR = '#d62728';

/** Categorical palette for series (tableau10 minus its red, which is reserved for theory). */
export const SERIES_PALETTE = [
  '#4c78a8', '#f58518', '#54a24b', '#b279a2', '#72b7b2', '#eeca3b', '#9d755d', '#ff9da6', '#bab0ac',
];

export const BASE_CONFIG: Config = {
  font: FONT,
  background: 'white',
  padding: 8,
  title: { fontSize: 15, subtitleFontSize: 12, subtitleColor: '#444', anchor: 'start', offset: 10 },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', gridColor: '#e6e6e6' },
  // labelLimit: long series names ('purified: detect-replace') must not be cut to an ellipsis.
  legend: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', labelLimit: 280 },
  header: { labelFontSize: 12, titleFontSize: 12, titleFontWeight: 'normal' },
  view: { stroke: '#888' },
};

/** Title block with an optional subtitle (vega-lite rejects `subtitle: undefined` in strict typings). */
export function titleBlock(text: string, subtitle?: string | string[]): NonNullable<TopLevelSpec['title']> {
  const empty = subtitle === undefined || subtitle.length === 0;
  return empty ? { text } : { text, subtitle };
}

/** Distinct values in first-seen order: keeps the caller's series / panel ordering in legends. */
export function distinctInOrder<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

export interface PanelledInput {
  title: string;
  /** One line, or several (an array is drawn one entry per line). */
  subtitle?: string | string[];
  /** All rows for every layer; layers pick theirs with a filter on `kind`. */
  rows: object[];
  layers: object[];
  /** Panel labels in display order; empty or undefined for a single panel. */
  panels?: string[];
  panelTitle?: string;
  columns?: number;
  /** Independent scales or legends, as vega-lite `resolve`. */
  resolve?: object;
}

/**
 * One layered chart, or the same layers faceted into small multiples on the `panel` field.
 * Facets share the x and y scales, so panels compare at a glance.
 */
export function panelled(input: PanelledInput): TopLevelSpec {
  const head = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: titleBlock(input.title, input.subtitle),
    data: { values: input.rows },
  };
  // Resolution is between the layers, so it belongs on the layered spec, inside any facet.
  const resolve = input.resolve ? { resolve: input.resolve } : {};
  const panels = input.panels ?? [];
  if (panels.length === 0) return { ...head, ...PANEL, layer: input.layers, ...resolve } as TopLevelSpec;
  return {
    ...head,
    facet: {
      field: 'panel',
      type: 'nominal',
      sort: panels,
      header: panelHeader(input.panelTitle),
    },
    columns: input.columns ?? Math.min(panels.length, 3),
    // Room for a panel's header below the x axis and its title of the panel above (flush bounds count spacing from the plot areas).
    spacing: { row: 76, column: 24 },
    // Each panel draws its own x axis (the scale stays shared): a shared axis sits under the bottom row of each
    // column, so an empty slot in a last row got an axis with no panel above it.
    resolve: { axis: { x: 'independent' } },
    // 'flush': lay panels out by their plot area, else points overhanging the edge push the axes away.
    bounds: 'flush',
    spec: { ...SMALL_PANEL, layer: input.layers, ...resolve },
  } as TopLevelSpec;
}

// Flush bounds misplace a facet header's title (it lands on the labels), so the panel title goes
// into each label instead: 'width p: 64'.
function panelHeader(panelTitle: string | undefined): object {
  if (panelTitle === undefined) return { title: null };
  return { title: null, labelExpr: `${JSON.stringify(panelTitle + ': ')} + datum.value` };
}

/** Layer filter on the `kind` tag that separates observations from reference lines in one dataset. */
export function kindFilter(kind: string): object {
  return { filter: { field: 'kind', equal: kind } };
}

/** [min, max] of the given numbers, widened to a unit interval around a lone value. */
export function extent(values: readonly number[]): [number, number] {
  if (values.length === 0) throw new Error('extent: no values');
  // A loop, not Math.min(...values): histograms can hold more values than the call stack allows.
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  return lo === hi ? [lo - 0.5, hi + 0.5] : [lo, hi];
}

/** A reference mark (theory, clean accuracy) without a panel applies to every panel (or to the single chart). */
export function expandToPanels<T extends { panel?: string }>(marks: readonly T[], panels: readonly string[]): T[] {
  if (panels.length === 0) return marks.map((m) => ({ ...m }));
  return marks.flatMap((m) => (m.panel === undefined ? panels.map((panel) => ({ ...m, panel })) : [{ ...m }]));
}

/**
 * A dashed reference rule (the clean accuracy, the theory's ε*) at the rows of `kind`, positioned by `position`
 * (an x or a y encoding). A categorical stroke channel with one value gives it its own legend entry.
 */
export function referenceRule(kind: string, position: { readonly x: object } | { readonly y: object }, color: string, strokeWidth: number): object {
  return {
    transform: [kindFilter(kind)],
    mark: { type: 'rule', strokeDash: [6, 4], strokeWidth },
    encoding: {
      ...position,
      stroke: {
        field: 'label',
        type: 'nominal',
        scale: { range: [color] },
        legend: { title: null, symbolType: 'stroke', symbolDash: [6, 4], symbolStrokeWidth: strokeWidth },
      },
    },
  };
}
