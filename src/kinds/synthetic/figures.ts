/**
 * The figures of a synthetic experiment, as its sweeps ask for them: summary rows (and trial records for
 * error histograms) in, vega-lite specs out. Every phase diagram carries the l1 theory curve ε*(n/m).
 */
import type { TopLevelSpec } from 'vega-lite';
import type { FigureField, FigureSpec, SweepSpec } from '../config/common-schema.ts';
import type { SyntheticConfig } from '../config/synthetic-schema.ts';
import type { SyntheticTrialRecord } from '../pipeline/synthetic.ts';
import { criticalCorruption } from '../theory/phase-transition.ts';
import { errorCurvesSpec } from './figures/error-curves.ts';
import { errorHistogramSpec } from './figures/histogram.ts';
import { phaseDiagramSpec } from './figures/phase-diagram.ts';
import { successCurvesSpec } from './figures/success-curves.ts';
import type { SyntheticSummaryRow } from './summary.ts';

export interface NamedFigure {
  readonly name: string;
  readonly spec: TopLevelSpec;
}

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

export function syntheticFigures(config: SyntheticConfig, sweeps: Readonly<Record<string, SweepSpec>>, rows: readonly SyntheticSummaryRow[], records: readonly SyntheticTrialRecord[]): NamedFigure[] {
  return Object.entries(sweeps).flatMap(([sweep, spec]) => {
    const sweepRows = rows.filter((r) => r.sweep === sweep);
    if (sweepRows.length === 0) return [];
    return spec.figures.flatMap((figure) => buildFigure(config, sweep, figure, sweepRows, records.filter((r) => r.sweep === sweep)));
  });
}

function buildFigure(config: SyntheticConfig, sweep: string, figure: FigureSpec, rows: readonly SyntheticSummaryRow[], records: readonly SyntheticTrialRecord[]): NamedFigure[] {
  switch (figure.kind) {
    case 'phase':
      return splitBy(rows, ['corruption', figure.y]).map(({ label, rows: part }) => ({
        name: fileName(sweep, `${figure.metric === 'stable_success_rate' ? 'stable-' : ''}phase-${figure.y}`, label),
        spec: phaseFigure(config, figure, part, label),
      }));
    case 'success-curves':
      return splitBy(rows, ['corruption', figure.series, figure.panel ?? 'sweep']).map(({ label, rows: part }) => ({
        name: fileName(sweep, `success-by-${figure.series}`, label),
        spec: successFigure(figure, part, label),
      }));
    case 'error-curves':
      return splitBy(rows, ['corruption', figure.series]).map(({ label, rows: part }) => ({
        name: fileName(sweep, `errors-by-${figure.series}`, label),
        spec: errorFigure(config, figure, part, label),
      }));
    case 'error-histogram':
      return [{ name: fileName(sweep, 'errors', ''), spec: histogramFigure(config, figure, sweep, records) }];
    default:
      return []; // figure kinds of the practical experiments
  }
}

function phaseFigure(config: SyntheticConfig, figure: Extract<FigureSpec, { kind: 'phase' }>, rows: readonly SyntheticSummaryRow[], label: string): TopLevelSpec {
  const first = rows[0];
  const y = (r: SyntheticSummaryRow) => Number(r[figure.y as keyof SyntheticSummaryRow]);
  const stable = figure.metric === 'stable_success_rate';
  const cells = rows.map((r) => ({ x: r.corruption, y: y(r), successRate: stable ? r.stable_success_rate : r.success_rate, trials: r.trials }));
  const fixed = describeFixed(rows, figure.y);
  const { tolerance, stability } = config.recovery;
  return phaseDiagramSpec({
    title: figure.title || `${stable ? 'Stable' : 'Exact'} recovery of the ${LAYER_NAMES[first.layer] ?? first.layer}: ε × ${AXIS_TITLES[figure.y].split(' (')[0]}`,
    subtitle: [
      fixed,
      `${trainingLabel(first)}, ${solverName(first.solver)}, ${first.trials} trials per cell${label ? `; ${label}` : ''}`,
      stable ? `success: relative error ≤ ${tolerance} + ${stability} × distance of the update from the subspace` : `success: relative error ≤ ${tolerance}`,
    ],
    xTitle: AXIS_TITLES.corruption,
    yTitle: AXIS_TITLES[figure.y],
    yScale: figure.yScale,
    cells,
    theory: theoryCurve(rows, figure.y, figure.yScale),
  } as Parameters<typeof phaseDiagramSpec>[0]);
}

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

function successFigure(figure: Extract<FigureSpec, { kind: 'success-curves' }>, rows: readonly SyntheticSummaryRow[], label: string): TopLevelSpec {
  const panel = figure.panel ?? 'sweep';
  const value = (r: SyntheticSummaryRow, f: FigureField) => String(r[f as keyof SyntheticSummaryRow]);
  const panels = new Map<string, SyntheticSummaryRow>();
  for (const r of rows) panels.set(value(r, panel), r);
  return successCurvesSpec({
    title: figure.title || `Success rate by ${AXIS_TITLES[figure.series]}`,
    subtitle: `${trainingLabel(rows[0])}, ${rows[0].trials} trials per point${label ? `; ${label}` : ''}`,
    seriesTitle: AXIS_TITLES[figure.series],
    panelTitle: panels.size > 1 ? AXIS_TITLES[panel] : undefined,
    points: rows.map((r) => ({ series: value(r, figure.series), panel: panels.size > 1 ? value(r, panel) : undefined, x: r.corruption, rate: r.success_rate, trials: r.trials })),
    theory: [...panels.entries()].map(([p, r]) => ({ panel: panels.size > 1 ? p : undefined, x: r.theory_corruption })),
  });
}

function errorFigure(config: SyntheticConfig, figure: Extract<FigureSpec, { kind: 'error-curves' }>, rows: readonly SyntheticSummaryRow[], label: string): TopLevelSpec {
  const value = (r: SyntheticSummaryRow) => String(r[figure.series as keyof SyntheticSummaryRow]);
  const floors = new Map<string, number>();
  for (const r of rows) if (r.median_off_subspace !== null) floors.set(value(r), r.median_off_subspace);
  const theories = new Set(rows.map((r) => r.theory_corruption));
  return errorCurvesSpec({
    title: figure.title || `Recovery error by ${AXIS_TITLES[figure.series].split(' (')[0]}: ${LAYER_NAMES[rows[0].layer] ?? rows[0].layer}`,
    subtitle: [
      `${describeFixed(rows, figure.series)}; ${trainingLabel(rows[0])}, ${solverName(rows[0].solver)}${label ? `; ${label}` : ''}`,
      'dashed: distance of the clean update from the subspace (the floor l1 recovery can reach)',
    ],
    seriesTitle: AXIS_TITLES[figure.series],
    points: rows.flatMap((r) => (r.median_rel_error === null ? [] : [{ series: value(r), x: r.corruption, error: r.median_rel_error }])),
    floors: [...floors.entries()].map(([series, y]) => ({ series, y })),
    tolerance: config.recovery.tolerance,
    theory: theories.size === 1 ? [...theories][0] : undefined,
  });
}

function histogramFigure(config: SyntheticConfig, figure: Extract<FigureSpec, { kind: 'error-histogram' }>, sweep: string, records: readonly SyntheticTrialRecord[]): TopLevelSpec {
  const values = records.map((r) => r.rel_error).filter((v): v is number => v !== null);
  return errorHistogramSpec({
    title: figure.title || `Relative recovery error, sweep '${sweep}'`,
    subtitle: `${values.length} trials; exact recoveries sit at float precision, failures at order one`,
    values,
    tolerance: config.recovery.tolerance,
  });
}

/** Rows split by the identifying fields that vary (other than `axes`), each part labelled by its values. */
function splitBy(rows: readonly SyntheticSummaryRow[], axes: FigureField[]): { label: string; rows: SyntheticSummaryRow[] }[] {
  const varying = SPLIT_FIELDS.filter((f) => !axes.includes(f) && !(axes.includes('n_over_m') && (f === 'width' || f === 'samples')) && new Set(rows.map((r) => r[f as keyof SyntheticSummaryRow])).size > 1);
  const parts = new Map<string, SyntheticSummaryRow[]>();
  for (const r of rows) {
    const label = varying.map((f) => `${f} ${r[f as keyof SyntheticSummaryRow]}`).join(', ');
    if (!parts.has(label)) parts.set(label, []);
    parts.get(label)!.push(r);
  }
  return [...parts.entries()].map(([label, part]) => ({ label, rows: part }));
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

function solverName(solver: string): string {
  return solver === 'highs' ? 'exact LP (HiGHS)' : solver;
}

function fileName(sweep: string, what: string, label: string): string {
  const suffix = label ? '-' + label.replace(/[^A-Za-z0-9.]+/g, '-').replace(/-+$/, '') : '';
  return `${sweep}-${what}${suffix}`;
}
