/**
 * Figures of the practical and backdoor experiments, as their sweeps ask for them:
 *
 *   accuracy-curves  test accuracy against ε: contaminated, purified per variant, clean as a dashed line
 *   breakdown        exact-recovery (or restored-accuracy) heatmap over ε × benign inputs with the Gaussian l1
 *                    theory curve ε*(n/m), plus a line chart of the measured boundary next to that curve
 *   backdoor-bars    clean accuracy and attack success rate: clean, backdoored, purified, fine-tuned
 */
import type { TopLevelSpec } from 'vega-lite';
import type { FigureSpec, SweepSpec } from '../config/common-schema.ts';
import { criticalCorruption } from '../theory/phase-transition.ts';
import { accuracyCurvesSpec, type AccuracyPoint } from './figures/accuracy-curves.ts';
import { barsSpec, type BarValue } from './figures/bars.ts';
import { phaseDiagramSpec } from './figures/phase-diagram.ts';
import { PANEL, SERIES_PALETTE, THEORY_COLOR, titleBlock } from './figures/style.ts';
import type { BackdoorSummaryRow, PracticalSummaryRow } from './practical-summary.ts';
import type { NamedFigure } from './synthetic-figures.ts';

type Row = PracticalSummaryRow | BackdoorSummaryRow;

const FIELD_TITLES: Record<string, string> = {
  variant: 'variant',
  solver: 'solver',
  network: 'network',
  dataset: 'data set',
  train_samples: 'training inputs',
  subspace_inputs: 'benign inputs n',
  poison_rate: 'poison rate',
  sweep: 'sweep',
  n_over_m: 'n/m (benign inputs per coordinate of a row)',
};

export function practicalFigures(sweeps: Readonly<Record<string, SweepSpec>>, rows: readonly PracticalSummaryRow[]): NamedFigure[] {
  return figuresBySweep(sweeps, rows, (sweep, figure, part) => {
    if (figure.kind === 'accuracy-curves') return accuracyFigures(sweep, figure, part);
    if (figure.kind === 'breakdown') return breakdownFigures(sweep, figure, part);
    return [];
  });
}

export function backdoorFigures(sweeps: Readonly<Record<string, SweepSpec>>, rows: readonly BackdoorSummaryRow[]): NamedFigure[] {
  return figuresBySweep(sweeps, rows, (sweep, figure, part) => (figure.kind === 'backdoor-bars' ? backdoorBars(sweep, figure, part) : []));
}

function figuresBySweep<R extends Row>(sweeps: Readonly<Record<string, SweepSpec>>, rows: readonly R[], build: (sweep: string, figure: FigureSpec, rows: R[]) => NamedFigure[]): NamedFigure[] {
  return Object.entries(sweeps).flatMap(([sweep, spec]) => {
    const part = rows.filter((r) => r.sweep === sweep);
    return part.length ? spec.figures.flatMap((figure) => build(sweep, figure, part)) : [];
  });
}

// ---- accuracy against corruption fraction -------------------------------------------------------------------

function accuracyFigures(sweep: string, figure: Extract<FigureSpec, { kind: 'accuracy-curves' }>, rows: PracticalSummaryRow[]): NamedFigure[] {
  const panel = figure.panel ?? 'sweep';
  return splitBy(rows, ['corruption', 'variant', 'solver', panel]).map(({ label, rows: part }) => {
    const panelOf = (r: PracticalSummaryRow) => (panel === 'sweep' ? undefined : `${FIELD_TITLES[panel]} ${String(r[panel as keyof PracticalSummaryRow])}`);
    const solvers = new Set(part.map((r) => r.solver)).size > 1;
    const points: AccuracyPoint[] = [];
    const contaminated = new Map<string, { panel?: string; x: number; values: number[] }>();
    for (const r of part) {
      if (r.purified_acc !== null) points.push({ variant: `purified: ${r.variant}${solvers ? ` (${r.solver})` : ''}`, panel: panelOf(r), x: r.corruption, accuracy: r.purified_acc });
      const key = `${panelOf(r)}|${r.corruption}`;
      if (!contaminated.has(key)) contaminated.set(key, { panel: panelOf(r), x: r.corruption, values: [] });
      if (r.contaminated_acc !== null) contaminated.get(key)!.values.push(r.contaminated_acc);
    }
    for (const c of contaminated.values()) if (c.values.length) points.unshift({ variant: 'contaminated', panel: c.panel, x: c.x, accuracy: average(c.values) });
    const clean = cleanByPanel(part, panelOf);
    const lowest = Math.min(...points.map((p) => p.accuracy), ...clean.map((c) => c.accuracy));
    const first = part[0];
    return {
      name: fileName(sweep, 'accuracy', label),
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
}

function cleanByPanel(rows: PracticalSummaryRow[], panelOf: (r: PracticalSummaryRow) => string | undefined): { panel?: string; accuracy: number }[] {
  const byPanel = new Map<string | undefined, number[]>();
  for (const r of rows) {
    if (r.clean_acc === null) continue;
    if (!byPanel.has(panelOf(r))) byPanel.set(panelOf(r), []);
    byPanel.get(panelOf(r))!.push(r.clean_acc);
  }
  return [...byPanel.entries()].map(([panel, values]) => ({ ...(panel === undefined ? {} : { panel }), accuracy: average(values) }));
}

// ---- breakdown: where exact recovery stops -----------------------------------------------------------------

function breakdownFigures(sweep: string, figure: Extract<FigureSpec, { kind: 'breakdown' }>, rows: PracticalSummaryRow[]): NamedFigure[] {
  return splitBy(rows, ['corruption', 'subspace_inputs', 'n_over_m']).flatMap(({ label, rows: part }) => {
    const first = part[0];
    const metric = (r: PracticalSummaryRow) => (figure.metric === 'restored_rate' ? r.restored_rate : r.success_rate);
    const y = (r: PracticalSummaryRow) => (figure.y === 'n_over_m' ? r.n_over_m : r.subspace_inputs);
    const what = figure.metric === 'restored_rate' ? `accuracy within ${'the margin'} of clean` : 'exact recovery';
    const subtitle = [`${first.network} on ${datasetName(first.dataset)}, ${first.train_samples} training inputs, m = ${first.params} coordinates per row`, `${what}; ${first.trials} trial(s) per cell${label ? `; ${label}` : ''}`];
    const boundary = measuredBoundary(part, metric);
    const metricName = figure.metric === 'restored_rate' ? 'restored' : 'success';
    return [
      {
        name: fileName(sweep, `breakdown-${metricName}`, label),
        spec: phaseDiagramSpec({
          title: figure.title || `Where purification breaks down: ${what}, ε × benign inputs`,
          subtitle,
          xTitle: 'corruption fraction ε',
          yTitle: FIELD_TITLES[figure.y],
          cells: part.map((r) => ({ x: r.corruption, y: y(r), successRate: metric(r), trials: r.trials })),
          theory: theoryAlong(part, figure.y),
          theoryLabel: 'Gaussian l1 theory ε*(n/m)',
        }),
      },
      {
        name: fileName(sweep, `boundary-${metricName}`, label),
        spec: boundarySpec(`Measured boundary vs the Gaussian l1 theory (${datasetName(first.dataset)})`, subtitle, boundary),
      },
    ];
  });
}

/**
 * Per n/m, the corruption fraction where the rate first falls through 1/2, by linear interpolation between grid
 * points (the largest ε run when it never does; the smallest when even that fails).
 */
export function measuredBoundary(rows: readonly PracticalSummaryRow[], metric: (r: PracticalSummaryRow) => number): { nOverM: number; eps: number }[] {
  const byN = new Map<number, PracticalSummaryRow[]>();
  for (const r of rows) {
    if (!byN.has(r.n_over_m)) byN.set(r.n_over_m, []);
    byN.get(r.n_over_m)!.push(r);
  }
  return [...byN.entries()]
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

// ---- backdoor ------------------------------------------------------------------------------------------------

function backdoorBars(sweep: string, figure: Extract<FigureSpec, { kind: 'backdoor-bars' }>, rows: BackdoorSummaryRow[]): NamedFigure[] {
  return splitBy(rows, ['variant']).map(({ label, rows: part }) => {
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
    const spec = barsSpec({
      title: figure.title || `Backdoor removal on ${datasetName(first.dataset)}: purification vs fine-tuning`,
      subtitle: [
        `${first.network}, trigger → class ${first.target}, poison rate ${first.poison_rate}; ${first.subspace_inputs} benign inputs (purification: unlabeled; fine-tuning: labelled)`,
        `${first.trials} trial(s)${label ? `; ${label}` : ''}`,
      ],
      bars,
      metricTitle: 'metric',
    });
    // Room for every category label at angle 0 (the shared default width cuts them off).
    const categories = new Set(bars.map((b) => b.category)).size;
    const encoding = (spec as unknown as { encoding: { x: { axis: Record<string, unknown> } } }).encoding;
    encoding.x.axis.labelLimit = 300; // vega estimates text width without a canvas (≈ 0.8 em per character)
    return { name: fileName(sweep, 'backdoor', label), spec: { ...spec, width: Math.max(PANEL.width, 175 * categories) } as TopLevelSpec };
  });
}

// ---- helpers -------------------------------------------------------------------------------------------------

const SPLIT_FIELDS = ['dataset', 'network', 'variant', 'solver', 'train_samples', 'subspace_inputs', 'poison_rate'] as const;

/** Rows split by the identifying fields that vary (other than `axes`), each part labelled by its values. */
function splitBy<R extends Row>(rows: readonly R[], axes: readonly string[]): { label: string; rows: R[] }[] {
  const value = (r: R, f: string) => (r as unknown as Record<string, unknown>)[f];
  const varying = SPLIT_FIELDS.filter((f) => !axes.includes(f) && new Set(rows.map((r) => value(r, f))).size > 1);
  const parts = new Map<string, R[]>();
  for (const r of rows) {
    const label = varying.map((f) => `${FIELD_TITLES[f] ?? f} ${String(value(r, f))}`).join(', ');
    if (!parts.has(label)) parts.set(label, []);
    parts.get(label)!.push(r);
  }
  return [...parts.entries()].map(([label, part]) => ({ label, rows: part }));
}

function fileName(sweep: string, what: string, label: string): string {
  const suffix = label ? '-' + label.replace(/[^A-Za-z0-9.]+/g, '-').replace(/-+$/, '') : '';
  return `${sweep}-${what}${suffix}`;
}

function datasetName(dataset: string): string {
  return dataset === 'cifar10' ? 'CIFAR-10' : dataset === 'fashion-mnist' ? 'Fashion-MNIST' : 'MNIST';
}

function average(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}
