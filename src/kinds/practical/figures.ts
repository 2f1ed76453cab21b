/**
 * The figure kinds of a practical experiment, each its request schema and its builder:
 *
 *   accuracy-curves  test accuracy against ε: contaminated, purified per variant, clean as a dashed line
 *   breakdown        exact-recovery (or restored-accuracy) heatmap over ε × benign inputs with the Gaussian l1
 *                    theory curve ε*(n/m), plus a line chart of the measured boundary next to that curve
 */
import type { TopLevelSpec } from 'vega-lite';
import * as z from 'zod';
import { defineFigure, type FigureContext, type NamedFigure } from '../../core/kind.ts';
import { datasetName, FIELD_TITLES, splitByCell } from '../../networks/labels.ts';
import type { PurificationConfig } from '../../networks/schema.ts';
import { accuracyCurvesSpec, type AccuracyPoint } from '../../report/figures/accuracy-curves.ts';
import { phaseDiagramSpec } from '../../report/figures/phase-diagram.ts';
import { figureName } from '../../report/figures/split.ts';
import { PANEL, SERIES_PALETTE, THEORY_COLOR, titleBlock } from '../../report/figures/style.ts';
import { criticalCorruption } from '../../theory/phase-transition.ts';
import { groupBy } from '../../util/collections.ts';
import type { PracticalTrialRecord } from './records.ts';
import type { PracticalSummaryRow } from './summary.ts';

/** What the figures read of the config: the margin within which accuracy counts as restored. */
type Context = FigureContext<{ readonly purification: Pick<PurificationConfig, 'margin'> }, PracticalTrialRecord, PracticalSummaryRow>;

const title = z.string().default('').describe('figure title (default: one that says what is shown)');

/** Summary fields accuracy curves may split into panels. */
const PANEL_FIELDS = ['variant', 'solver', 'network', 'dataset', 'train_samples', 'subspace_inputs', 'sweep'] as const;

// ---- accuracy against corruption fraction -------------------------------------------------------------------

const accuracyCurves = defineFigure(
  z.strictObject({
    kind: z.literal('accuracy-curves').describe('clean / contaminated / purified test accuracy against corruption fraction, one line per variant'),
    panel: z.enum(PANEL_FIELDS).default('sweep').describe('summary field whose values get a panel each (sweep: one panel)'),
    title,
  }),
  (figure, { sweep, rows }: Context): NamedFigure[] => {
    const { panel } = figure;
    // Panels by the training or the benign inputs take both along: in a sweep over n the two vary together.
    const inputs = panel === 'train_samples' || panel === 'subspace_inputs' ? ['train_samples', 'subspace_inputs'] : [];
    return splitByCell(rows, ['corruption', 'variant', 'solver', panel, ...inputs]).map(({ label, rows: part }) => {
      const panelOf = (r: PracticalSummaryRow) => (panel === 'sweep' ? undefined : `${FIELD_TITLES[panel]} ${String(r[panel])}`);
      const solvers = new Set(part.map((r) => r.solver)).size > 1;
      const purified: AccuracyPoint[] = part.flatMap((r) =>
        r.purified_acc === null ? [] : [{ variant: `purified: ${r.variant}${solvers ? ` (${r.solver})` : ''}`, panel: panelOf(r), x: r.corruption, accuracy: r.purified_acc }],
      );
      // One contaminated line per panel: its accuracy does not depend on the variant or solver.
      const contaminated: AccuracyPoint[] = [...groupBy(part, (r) => `${panelOf(r)}|${r.corruption}`).values()].flatMap((cell) => {
        const values = cell.flatMap((r) => (r.contaminated_acc === null ? [] : [r.contaminated_acc]));
        return values.length ? [{ variant: 'contaminated', panel: panelOf(cell[0]), x: cell[0].corruption, accuracy: average(values) }] : [];
      });
      const points = [...contaminated.reverse(), ...purified];
      const clean = [...groupBy(part.filter((r) => r.clean_acc !== null), (r) => String(panelOf(r))).values()].map((cell) => {
        const p = panelOf(cell[0]);
        return { ...(p === undefined ? {} : { panel: p }), accuracy: average(cell.map((r) => r.clean_acc!)) };
      });
      const lowest = Math.min(...points.map((p) => p.accuracy), ...clean.map((c) => c.accuracy));
      const first = part[0];
      return {
        name: figureName(sweep, 'accuracy', label),
        spec: accuracyCurvesSpec({
          title: figure.title || `Test accuracy after contamination and purification (${datasetName(first.dataset)})`,
          subtitle: [
            `${first.network}, ${first.train_samples} training inputs, subspace from ${first.subspace_inputs} benign inputs (n/m = ${first.n_over_m.toFixed(3)}${first.network.split('-').length > 2 ? ' for the first dense layer' : ''})`,
            `${first.trials} trial(s) per point${label ? `; ${label}` : ''}`,
          ],
          points,
          clean: clean.length === 1 && clean[0].panel === undefined ? clean[0].accuracy : clean,
          panelTitle: panel === 'sweep' ? undefined : FIELD_TITLES[panel],
          variantTitle: 'network',
          yDomain: [Math.max(0, Math.floor((lowest - 5) / 10) * 10), 100],
        }),
      };
    });
  },
);

// ---- breakdown: where exact recovery stops -----------------------------------------------------------------

const breakdown = defineFigure(
  z.strictObject({
    kind: z.literal('breakdown').describe('success heatmap over corruption fraction × benign inputs, with the measured boundary and the Gaussian l1 theory curve'),
    y: z.enum(['subspace_inputs', 'n_over_m']).default('n_over_m'),
    metric: z.enum(['success_rate', 'restored_rate']).default('success_rate').describe('exact recovery, or accuracy within the margin of clean'),
    title,
  }),
  (figure, { sweep, config, rows }: Context): NamedFigure[] =>
    // The training inputs are an axis too: when they vary, the benign inputs are the training inputs (by-samples sweeps).
    splitByCell(rows, ['corruption', 'subspace_inputs', 'n_over_m', 'train_samples']).flatMap(({ label, rows: part }) => {
      const first = part[0];
      const inputs = new Set(part.map((r) => r.train_samples)).size > 1 ? 'benign inputs = training inputs' : `${first.train_samples} training inputs`;
      const restored = figure.metric === 'restored_rate';
      const metric = (r: PracticalSummaryRow) => (restored ? r.restored_rate : r.success_rate);
      const what = restored ? `accuracy within ${config.purification.margin} points of clean` : 'exact recovery';
      const subtitle = [`${first.network} on ${datasetName(first.dataset)}, ${inputs}, m = ${first.params} coordinates per row`, `${what}; ${first.trials} trial(s) per cell${label ? `; ${label}` : ''}`];
      const metricName = restored ? 'restored' : 'success';
      return [
        {
          name: figureName(sweep, `breakdown-${metricName}`, label),
          spec: phaseDiagramSpec({
            title: figure.title || `Where purification breaks down: ${what}, ε × benign inputs`,
            subtitle,
            xTitle: 'corruption fraction ε',
            yTitle: FIELD_TITLES[figure.y],
            cells: part.map((r) => ({ x: r.corruption, y: r[figure.y], successRate: metric(r), trials: r.trials })),
            theory: theoryAlong(part, figure.y),
            theoryLabel: 'Gaussian l1 theory ε*(n/m)',
          }),
        },
        {
          name: figureName(sweep, `boundary-${metricName}`, label),
          spec: boundarySpec(`Measured boundary vs the Gaussian l1 theory (${datasetName(first.dataset)})`, subtitle, measuredBoundary(part, metric)),
        },
      ];
    }),
);

/** The figure kinds a practical config may ask for. */
export const PRACTICAL_FIGURES = { 'accuracy-curves': accuracyCurves, breakdown };

/**
 * Per n/m, the corruption fraction where the rate first falls through 1/2, by linear interpolation between grid
 * points (the largest ε run when it never does; the smallest when even that fails).
 */
export function measuredBoundary(rows: readonly PracticalSummaryRow[], metric: (r: PracticalSummaryRow) => number): { nOverM: number; eps: number }[] {
  return [...groupBy(rows, (r) => String(r.n_over_m)).values()]
    .map((part) => [part[0].n_over_m, part] as const)
    .sort((a, b) => a[0] - b[0])
    .map(([nOverM, part]) => {
      const sorted = [...part].sort((a, b) => a.corruption - b.corruption);
      for (let i = 0; i < sorted.length; i++) {
        const rate = metric(sorted[i]);
        if (rate >= 0.5) continue;
        if (i === 0) return { nOverM, eps: sorted[0].corruption };
        const prev = metric(sorted[i - 1]);
        const t = (prev - 0.5) / (prev - rate);
        return { nOverM, eps: sorted[i - 1].corruption + t * (sorted[i].corruption - sorted[i - 1].corruption) };
      }
      return { nOverM, eps: sorted[sorted.length - 1].corruption };
    });
}

/** ε*(n/m) densely along the y axis (n/m itself, or n at this sweep's fixed m). */
function theoryAlong(rows: readonly PracticalSummaryRow[], field: 'subspace_inputs' | 'n_over_m'): { x: number; y: number }[] {
  const m = rows[0].params;
  const ys = rows.map((r) => (field === 'n_over_m' ? r.n_over_m : r.subspace_inputs));
  const [lo, hi] = [Math.min(...ys), Math.max(...ys)];
  const pad = (hi - lo) / 10 || hi / 2;
  return Array.from({ length: 201 }, (_, i) => {
    const y = Math.max(0, lo - pad) + ((hi + 2 * pad - Math.max(0, lo - pad)) * i) / 200;
    const ratio = field === 'n_over_m' ? y : y / m;
    return { x: ratio >= 1 ? 0 : criticalCorruption(ratio), y };
  });
}

function boundarySpec(title: string, subtitle: string[], boundary: { nOverM: number; eps: number }[]): TopLevelSpec {
  const xs = boundary.map((b) => b.nOverM);
  const [lo, hi] = [Math.min(...xs), Math.max(...xs)];
  const theory = Array.from({ length: 101 }, (_, i) => {
    const nOverM = Math.max(1e-3, lo * 0.8) + ((Math.min(0.999, hi * 1.1) - Math.max(1e-3, lo * 0.8)) * i) / 100;
    return { series: 'Gaussian l1 theory ε*(n/m)', nOverM, eps: criticalCorruption(nOverM) };
  });
  const measured = boundary.map((b) => ({ series: 'measured (success rate = 1/2)', ...b }));
  const x = { field: 'nOverM', type: 'quantitative', title: FIELD_TITLES.n_over_m, scale: { zero: false, nice: false } };
  const y = { field: 'eps', type: 'quantitative', title: 'critical corruption fraction ε', scale: { domain: [0, Math.max(0.7, ...measured.map((m) => m.eps))] } };
  const color = { field: 'series', type: 'nominal', title: null, scale: { domain: [theory[0].series, measured[0]?.series ?? ''], range: [THEORY_COLOR, SERIES_PALETTE[0]] } };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: titleBlock(title, subtitle),
    ...PANEL,
    data: { values: [...theory, ...measured] },
    layer: [
      { transform: [{ filter: `datum.series === '${theory[0].series}'` }], mark: { type: 'line', strokeWidth: 2.5 }, encoding: { x, y, color } },
      {
        transform: [{ filter: `datum.series !== '${theory[0].series}'` }],
        mark: { type: 'line', point: { size: 50 }, strokeWidth: 2 },
        encoding: { x, y, color, tooltip: [{ ...x, format: '.3f' }, { ...y, format: '.3f' }] },
      },
    ],
  } as TopLevelSpec;
}

function average(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}
