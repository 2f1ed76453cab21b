/**
 * The paper's tables, computed from the results folders (summary.csv, solvers.csv) as any user could load them,
 * never typed in: the synthetic 50 % crossings against the l1 theory, the practical accuracies, the backdoor
 * defence and the solver comparison.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { toCsv } from '../report/csv.ts';

export type Value = string | number | null;
export type Row = Record<string, Value>;

export interface PaperTable {
  /** File name under tables/ (without .csv) and the page anchor. */
  readonly name: string;
  readonly title: string;
  readonly caption: string;
  readonly columns: readonly string[];
  readonly rows: readonly Row[];
}

/** One experiment's results as the paper reads them. */
export interface ExperimentResults {
  readonly name: string;
  readonly kind: string;
  readonly summary: readonly Row[];
  readonly solvers: readonly Row[];
}

/** A CSV file as rows: numbers as numbers, empty cells as null. */
export function readCsv(path: string): Row[] {
  return parse(readFileSync(path, 'utf8'), {
    columns: true,
    skip_empty_lines: true,
    cast: (value: string) => (value === '' ? null : Number.isFinite(Number(value)) ? Number(value) : value),
  }) as Row[];
}

export function readResults(name: string, dir: string): ExperimentResults {
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { kind?: string };
  const solvers = join(dir, 'solvers.csv');
  return { name, kind: config.kind ?? 'synthetic', summary: readCsv(join(dir, 'summary.csv')), solvers: existsSync(solvers) ? readCsv(solvers) : [] };
}

/** The columns that name one success curve over the corruption fraction of a synthetic summary. */
const CURVE_KEYS = ['sweep', 'layer', 'subspace', 'mode', 'solver', 'width', 'samples', 'params', 'steps', 'lr'];

export interface Crossing {
  /** Corruption fraction where the success rate falls through 1/2, linearly interpolated between grid points. */
  readonly eps: number;
  /** 'above' when the rate never falls below 1/2 on the grid (eps = the largest fraction run), 'below' when even the smallest fails. */
  readonly censored: '' | 'above' | 'below';
}

/** The 50 % crossing of one curve of (corruption, rate) points. */
export function crossing(points: readonly { corruption: number; rate: number }[]): Crossing {
  const sorted = [...points].sort((a, b) => a.corruption - b.corruption);
  if (sorted.length === 0) throw new Error('crossing: no points');
  for (let i = 0; i < sorted.length; i++) {
    if (sorted[i].rate >= 0.5) continue;
    if (i === 0) return { eps: sorted[0].corruption, censored: 'below' };
    const [a, b] = [sorted[i - 1], sorted[i]];
    return { eps: a.corruption + ((a.rate - 0.5) / (a.rate - b.rate)) * (b.corruption - a.corruption), censored: '' };
  }
  return { eps: sorted[sorted.length - 1].corruption, censored: 'above' };
}

const round = (v: number, digits = 4) => Number(v.toFixed(digits));

export function crossingTable(results: readonly ExperimentResults[]): PaperTable {
  const rows = results
    .filter((r) => r.kind === 'synthetic')
    .flatMap((r) => {
      const curves = new Map<string, Row[]>();
      for (const row of r.summary) {
        const key = CURVE_KEYS.map((k) => String(row[k])).join('|');
        curves.set(key, [...(curves.get(key) ?? []), row]);
      }
      return [...curves.values()].map((curve) => {
        const first = curve[0];
        const measured = crossing(curve.map((c) => ({ corruption: Number(c.corruption), rate: Number(c.success_rate) })));
        const theory = Number(first.theory_corruption);
        return {
          experiment: r.name, sweep: first.sweep, subspace: first.subspace, solver: first.solver, width: first.width, samples: first.samples,
          steps: first.steps, n_over_m: first.n_over_m, measured_crossing: round(measured.eps), theory_crossing: round(theory), offset: round(measured.eps - theory),
          censored: measured.censored,
        };
      });
    });
  return {
    name: 'crossing',
    title: 'Synthetic sweeps: measured 50 % crossing vs the l1 theory ε*(n/m)',
    caption:
      'One row per success curve over the corruption fraction ε (per sweep and grid point): the ε where the success rate falls through 1/2 ' +
      '(linear interpolation between grid points), the Gaussian l1 theory ε*(n/m) (RESEARCH.md §5), and offset = measured − theory. ' +
      'censored: "above" = the rate never fell below 1/2 on the grid (the largest ε run is shown), "below" = it was below 1/2 already at the smallest ε.',
    columns: ['experiment', 'sweep', 'subspace', 'solver', 'width', 'samples', 'steps', 'n_over_m', 'measured_crossing', 'theory_crossing', 'offset', 'censored'],
    rows,
  };
}

function pick(rows: readonly Row[], columns: readonly string[], extra: Row): Row[] {
  return rows.map((row) => ({ ...extra, ...Object.fromEntries(columns.map((c) => [c, row[c] ?? null])) }));
}

/** The summary rows of every experiment of one kind, in the given columns, prefixed by the experiment's name. */
function kindTable(results: readonly ExperimentResults[], kind: string, table: Omit<PaperTable, 'rows' | 'columns'>, columns: readonly string[]): PaperTable {
  return {
    ...table,
    columns: ['experiment', ...columns],
    rows: results.filter((r) => r.kind === kind).flatMap((r) => pick(r.summary, columns, { experiment: r.name })),
  };
}

export function practicalTable(results: readonly ExperimentResults[]): PaperTable {
  return kindTable(results, 'practical', {
    name: 'practical-accuracy',
    title: 'Practical networks: test accuracy (%) clean, contaminated and purified',
    caption: 'Mean test accuracy over trials per cell (summary.csv of each practical experiment). restored_rate: share of trials whose purified accuracy is within the margin of clean; success_rate: share recovered exactly (relative error ≤ tolerance).',
  }, ['sweep', 'dataset', 'network', 'variant', 'solver', 'train_samples', 'subspace_inputs', 'n_over_m', 'corruption', 'trials', 'clean_acc', 'contaminated_acc', 'purified_acc', 'restored_rate', 'success_rate', 'theory_corruption']);
}

export function backdoorTable(results: readonly ExperimentResults[]): PaperTable {
  return kindTable(results, 'backdoor', {
    name: 'backdoor',
    title: 'Backdoor defence: purification from benign inputs vs fine-tuning',
    caption: 'Mean over trials: clean accuracy (%) and attack success rate (ASR, %) of the backdoored head before and after purification, next to fine-tuning the backdoored head on the same benign inputs (baseline).',
  }, ['sweep', 'dataset', 'variant', 'subspace_inputs', 'poison_rate', 'trials', 'clean_acc', 'contaminated_acc', 'asr_before', 'purified_acc', 'asr_after', 'baseline_clean_acc', 'baseline_asr_after']);
}

export function defencesTable(results: readonly ExperimentResults[]): PaperTable {
  return kindTable(results, 'backdoor-defences', {
    name: 'backdoor-defences',
    title: 'Backdoor defences on the same benign inputs: fine-tuning, Fine-Pruning, ANP and l1 purification',
    caption:
      'Mean over trials, one row per attack and defence: clean test accuracy (%) and attack success rate (ASR, %) of the defended network, ' +
      'next to the backdoored network and the clean one. labels_used: whether the defence used the labels of its benign inputs (l1 purification does not).',
  }, ['sweep', 'dataset', 'network', 'attack', 'poison_rate', 'defence', 'benign_inputs', 'labels_used', 'trials', 'clean_acc', 'asr', 'backdoored_acc', 'backdoored_asr', 'clean_model_acc']);
}

export function solverTable(results: readonly ExperimentResults[]): PaperTable {
  const withSolvers = results.filter((r) => r.solvers.length > 0);
  const columns = withSolvers[0] ? Object.keys(withSolvers[0].solvers[0]) : ['solver'];
  return {
    name: 'solvers',
    title: 'Solver comparison: agreement with the exact LP (HiGHS), error and time, same trials',
    caption: 'solvers.csv of each experiment that runs several solvers on the same trials: agreement = share of trials whose success decision matches HiGHS; false +/− = successes/failures HiGHS does not report; times per trial.',
    columns: ['experiment', ...columns],
    rows: withSolvers.flatMap((r) => pick(r.solvers, columns, { experiment: r.name })),
  };
}

export function toCsvText(table: PaperTable): string {
  return toCsv(table.rows, table.columns);
}
