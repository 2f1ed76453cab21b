/**
 * The figure kinds of a synthetic experiment, each its request schema (what a sweep's `figures:` entry may say)
 * and its builder: summary rows (and trial records for error histograms) in, vega-lite specs out. Every phase
 * diagram carries the l1 theory curve ε*(n/m).
 */
import type { TopLevelSpec } from 'vega-lite';
import * as z from 'zod';
import { defineFigure, type FigureContext, type NamedFigure } from '../../core/kind.ts';
import { errorCurvesSpec } from '../../report/figures/error-curves.ts';
import { errorHistogramSpec } from '../../report/figures/histogram.ts';
import { phaseDiagramSpec } from '../../report/figures/phase-diagram.ts';
import { figureName, splitRows } from '../../report/figures/split.ts';
import { solverSummarySpec } from '../../report/figures/solver-summary.ts';
import { successCurvesSpec } from '../../report/figures/success-curves.ts';
import { criticalCorruption } from '../../theory/phase-transition.ts';
import type { SyntheticTrialRecord } from './records.ts';
import { compareSolvers, REFERENCE_SOLVER } from './solver-agreement.ts';
import type { RecoveryConfig } from './schema.ts';
import type { SyntheticSummaryRow } from './summary.ts';

/** Summary columns a figure may put on an axis, split panels by, or colour series by. */
const FIGURE_FIELDS = ['width', 'samples', 'params', 'n_over_m', 'corruption', 'steps', 'lr', 'solver', 'layer', 'mode', 'subspace', 'sweep'] as const;
type FigureField = (typeof FIGURE_FIELDS)[number];
const field = z.enum(FIGURE_FIELDS);
const title = z.string().default('').describe('figure title (default: one that says what is shown)');

/** What the figures read of the config: the success criteria they state. */
type Context = FigureContext<{ readonly recovery: Pick<RecoveryConfig, 'tolerance' | 'stability'> }, SyntheticTrialRecord, SyntheticSummaryRow>;

const AXIS_TITLES: Record<FigureField, string> = {
  width: 'width p (filters)',
  samples: 'samples n',
  params: 'recovered parameters m',
  n_over_m: 'n/m (samples per recovered parameter)',
  corruption: 'corruption fraction ε',
  steps: 'training steps',
  lr: 'learning rate',
  solver: 'solver',
  layer: 'layer',
  mode: 'training',
  subspace: 'subspace',
  sweep: 'sweep',
};

const LAYER_NAMES: Record<string, string> = {
  hidden: 'hidden layer (W, b)',
  'hidden-w': 'filters W',
  'hidden-b': 'hidden biases b',
  output: 'output layer a',
};

/** Fields that identify a cell apart from the figure's axes; figures are split by those that vary. */
const SPLIT_FIELDS: FigureField[] = ['layer', 'subspace', 'mode', 'solver', 'width', 'samples', 'steps', 'lr'];

const phase = defineFigure(
  z.strictObject({
    kind: z.literal('phase').describe('success-rate heatmap over corruption fraction (x) and y, with the l1 theory curve'),
    y: field,
    yScale: z.enum(['linear', 'log']).default('linear'),
    metric: z.enum(['success_rate', 'stable_success_rate']).default('success_rate').describe('exact success, or stable success (error within a factor of the distance to the subspace)'),
    title,
  }),
  (figure, { sweep, config, rows }: Context): NamedFigure[] =>
    splitBy(rows, ['corruption', figure.y]).map(({ label, rows: part }) => {
      const first = part[0];
      const stable = figure.metric === 'stable_success_rate';
      const { tolerance, stability } = config.recovery;
      return {
        name: figureName(sweep, `${stable ? 'stable-' : ''}phase-${figure.y}`, label),
        spec: phaseDiagramSpec({
          title: figure.title || `${stable ? 'Stable' : 'Exact'} recovery of the ${LAYER_NAMES[first.layer] ?? first.layer}: ε × ${AXIS_TITLES[figure.y].split(' (')[0]}`,
          subtitle: [
            describeFixed(part, figure.y),
            `${trainingLabel(first)}, ${solverName(first.solver)}, ${first.trials} trials per cell${label ? `; ${label}` : ''}`,
            stable ? `success: relative error ≤ ${tolerance} + ${stability} × distance of the update from the subspace` : `success: relative error ≤ ${tolerance}`,
          ],
          xTitle: AXIS_TITLES.corruption,
          yTitle: AXIS_TITLES[figure.y],
          yScale: figure.yScale,
          cells: part.map((r) => ({ x: r.corruption, y: Number(r[figure.y]), successRate: stable ? r.stable_success_rate : r.success_rate, trials: r.trials })),
          theory: theoryCurve(part, figure.y, figure.yScale),
        }),
      };
    }),
);

const successCurves = defineFigure(
  z.strictObject({
    kind: z.literal('success-curves').describe('success rate against corruption fraction, one line per series value'),
    series: field,
    panel: field.default('sweep'),
    title,
  }),
  (figure, { sweep, rows }: Context): NamedFigure[] =>
    splitBy(rows, ['corruption', figure.series, figure.panel]).map(({ label, rows: part }) => {
      const value = (r: SyntheticSummaryRow, f: FigureField) => String(r[f]);
      const panels = new Map(part.map((r) => [value(r, figure.panel), r]));
      const panelled = panels.size > 1;
      return {
        name: figureName(sweep, `success-by-${figure.series}`, label),
        spec: successCurvesSpec({
          title: figure.title || `Success rate by ${AXIS_TITLES[figure.series]}`,
          subtitle: `${trainingLabel(part[0])}, ${part[0].trials} trials per point${label ? `; ${label}` : ''}`,
          seriesTitle: AXIS_TITLES[figure.series],
          panelTitle: panelled ? AXIS_TITLES[figure.panel] : undefined,
          points: part.map((r) => ({ series: value(r, figure.series), panel: panelled ? value(r, figure.panel) : undefined, x: r.corruption, rate: r.success_rate, trials: r.trials })),
          // One rule per distinct ε* in each panel: with width or samples as the series, each series has its own.
          theory: distinctTheory(part.map((r) => ({ panel: panelled ? value(r, figure.panel) : undefined, x: r.theory_corruption }))),
        }),
      };
    }),
);

const errorCurves = defineFigure(
  z.strictObject({
    kind: z.literal('error-curves').describe('median relative error (log scale) against corruption fraction, one line per series value, with the off-subspace floor'),
    series: field,
    title,
  }),
  (figure, { sweep, config, rows }: Context): NamedFigure[] =>
    splitBy(rows, ['corruption', figure.series]).map(({ label, rows: part }) => {
      const value = (r: SyntheticSummaryRow) => String(r[figure.series]);
      const floors = new Map(part.flatMap((r) => (r.median_off_subspace === null ? [] : [[value(r), r.median_off_subspace] as const])));
      const theories = new Set(part.map((r) => r.theory_corruption));
      return {
        name: figureName(sweep, `errors-by-${figure.series}`, label),
        spec: errorCurvesSpec({
          title: figure.title || `Recovery error by ${AXIS_TITLES[figure.series].split(' (')[0]}: ${LAYER_NAMES[part[0].layer] ?? part[0].layer}`,
          subtitle: [
            `${describeFixed(part, figure.series)}; ${trainingLabel(part[0])}, ${solverName(part[0].solver)}${label ? `; ${label}` : ''}`,
            'dashed: distance of the clean update from the subspace (the floor l1 recovery can reach)',
          ],
          seriesTitle: AXIS_TITLES[figure.series],
          points: part.flatMap((r) => (r.median_rel_error === null ? [] : [{ series: value(r), x: r.corruption, error: r.median_rel_error }])),
          floors: [...floors.entries()].map(([series, y]) => ({ series, y })),
          tolerance: config.recovery.tolerance,
          theory: theories.size === 1 ? [...theories][0] : undefined,
        }),
      };
    }),
);

const errorHistogram = defineFigure(
  z.strictObject({ kind: z.literal('error-histogram').describe('distribution of log10 relative errors with the success tolerance'), title }),
  (figure, { sweep, config, records }: Context): NamedFigure[] => {
    const values = records.map((r) => r.rel_error).filter((v): v is number => v !== null);
    return [
      {
        name: figureName(sweep, 'errors', ''),
        spec: errorHistogramSpec({
          title: figure.title || `Relative recovery error, sweep '${sweep}'`,
          subtitle: `${values.length} trials; exact recoveries sit at float precision, failures at order one`,
          values,
          tolerance: config.recovery.tolerance,
        }),
      },
    ];
  },
);

/** The figure kinds a synthetic config may ask for. */
const solverAgreement = defineFigure(
  z.strictObject({
    kind: z.literal('solver-agreement').describe('per solver on the same trials: share of success decisions agreeing with the exact LP, and time per trial'),
    title,
  }),
  (figure, { sweep, rows, records }: Context): NamedFigure[] => {
    const solvers = compareSolvers(records);
    if (!solvers) return [];
    return [
      {
        name: figureName(sweep, 'solver-agreement', ''),
        spec: solverSummarySpec({
          title: figure.title || `Solvers on the same trials: agreement with ${solverName(REFERENCE_SOLVER)} and time`,
          subtitle: `${trainingLabel(rows[0])}, ${records.length} trials over all solvers; agreement = same success decision as ${REFERENCE_SOLVER} on the same trial`,
          reference: REFERENCE_SOLVER,
          solvers: solvers.map((s) => ({ solver: s.solver, agreement: s.solver === REFERENCE_SOLVER || s.agreement === null ? null : 100 * s.agreement, ms: s.mean_solve_ms ?? 0 })),
        }),
      },
    ];
  },
);

export const SYNTHETIC_FIGURES = { phase, 'success-curves': successCurves, 'error-curves': errorCurves, 'error-histogram': errorHistogram, 'solver-agreement': solverAgreement };

/**
 * ε*(n/m) along the y axis, densely, where n/m is a function of y alone: y = n/m itself; y = samples at fixed m;
 * y = width at fixed n (m grows in proportion to width); otherwise a constant when every row shares n/m.
 */
function theoryCurve(rows: readonly SyntheticSummaryRow[], field: FigureField, scale: 'linear' | 'log'): { x: number; y: number }[] {
  const ys = rows.map((r) => Number(r[field as keyof SyntheticSummaryRow]));
  const [lo, hi] = [Math.min(...ys), Math.max(...ys)];
  const unique = <T>(values: T[]) => new Set(values).size === 1;
  let ratio: ((y: number) => number) | undefined;
  if (field === 'n_over_m') ratio = (y) => y;
  else if (field === 'samples' && unique(rows.map((r) => r.params))) ratio = (y) => y / rows[0].params;
  else if (field === 'width' && unique(rows.map((r) => r.samples)) && unique(rows.map((r) => r.params / r.width))) ratio = (y) => rows[0].samples / ((rows[0].params / rows[0].width) * y);
  else if (unique(rows.map((r) => r.n_over_m))) ratio = () => rows[0].samples / rows[0].params;
  if (!ratio) return [];
  const pad = scale === 'log' ? Math.sqrt(hi / lo) ** (1 / Math.max(1, new Set(ys).size - 1)) : (hi - lo) / Math.max(1, 2 * (new Set(ys).size - 1));
  const [from, to] = scale === 'log' ? [lo / pad, hi * pad] : [Math.max(0, lo - pad), hi + pad];
  const count = 200;
  return Array.from({ length: count + 1 }, (_, i) => {
    const y = scale === 'log' ? from * (to / from) ** (i / count) : from + ((to - from) * i) / count;
    const delta = ratio!(y);
    return { x: delta >= 1 ? 0 : criticalCorruption(Math.max(0, delta)), y };
  });
}

/** Rows split by the identifying fields that vary (other than the figure's `axes`), each part labelled by its values. */
function splitBy(rows: readonly SyntheticSummaryRow[], axes: readonly FigureField[]) {
  // n/m on an axis already accounts for width and samples.
  const hidden = (f: FigureField) => axes.includes(f) || (axes.includes('n_over_m') && (f === 'width' || f === 'samples'));
  return splitRows(rows, SPLIT_FIELDS.filter((f) => !hidden(f)));
}

/** What is held fixed (or the range it spans), e.g. "n = 40 samples, m = 9p recovered parameters". */
function describeFixed(rows: readonly SyntheticSummaryRow[], y: FigureField): string {
  const r = rows[0];
  const k = r.params / r.width;
  const span = (f: 'width' | 'samples' | 'params', symbol: string) => {
    const values = rows.map((x) => x[f]);
    const [lo, hi] = [Math.min(...values), Math.max(...values)];
    return lo === hi ? `${symbol} = ${lo}` : `${symbol} from ${lo} to ${hi}`;
  };
  if (y === 'width') return `n = ${r.samples} samples, m = ${k === 1 ? 'p' : `${k}p`} recovered parameters`;
  return `${span('width', 'width p')}, ${span('samples', 'samples n')}, ${span('params', 'parameters m')}`;
}

function trainingLabel(r: SyntheticSummaryRow): string {
  if (r.subspace === 'gaussian') return 'Gaussian subspace (ablation)';
  if (r.layer === 'output') return 'output layer trained with W, b fixed';
  return r.mode === 'linearized' ? 'linearized training' : `ReLU training (lr ${r.lr})`;
}

function distinctTheory(marks: readonly { panel?: string; x: number }[]): { panel?: string; x: number }[] {
  const seen = new Map(marks.map((m) => [`${m.panel}|${m.x}`, m]));
  return [...seen.values()];
}

function solverName(solver: string): string {
  return solver === 'highs' ? 'exact LP (HiGHS)' : solver;
}
