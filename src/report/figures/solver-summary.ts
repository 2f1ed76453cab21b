// Solvers side by side on the same trials: agreement of each solver's success decisions with the exact LP, and
// its time per trial. Success curves of solvers that agree lie on top of each other; these bars keep every solver
// visible.
import type { TopLevelSpec } from 'vega-lite';
import { SERIES_PALETTE, SMALL_PANEL, titleBlock } from './style.ts';

export interface SolverBar {
  solver: string;
  /** Share of paired trials whose decision matches the reference, in percent; null for the reference itself. */
  agreement: number | null;
  /** Mean solve time per trial, milliseconds (> 0). */
  ms: number;
}

export interface SolverSummaryInput {
  title: string;
  subtitle?: string | string[];
  reference: string;
  solvers: SolverBar[];
}

export function solverSummarySpec(input: SolverSummaryInput): TopLevelSpec {
  if (input.solvers.length === 0) throw new Error('solverSummarySpec: no solvers');
  const order = input.solvers.map((s) => s.solver);
  const rows = input.solvers.map((s) => ({ ...s, ms: Math.max(s.ms, 1e-3), label: s.agreement === null ? 'reference' : `${s.agreement.toFixed(1)}%` }));
  const y = { field: 'solver', type: 'nominal', sort: order, title: null };
  const color = { field: 'solver', type: 'nominal', sort: order, scale: { domain: order, range: SERIES_PALETTE }, legend: null };
  // Bars on a log axis need a base other than 0: a decade below the fastest solver.
  const base = 10 ** Math.floor(Math.log10(Math.min(...rows.map((r) => r.ms))));
  const msScale = { type: 'log', domainMin: base };
  const panel = { width: SMALL_PANEL.width, height: Math.max(120, 28 * order.length) };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: titleBlock(input.title, input.subtitle),
    data: { values: rows },
    hconcat: [
      {
        ...panel,
        layer: [
          { transform: [{ filter: 'datum.agreement != null' }], mark: 'bar', encoding: { y, color, x: { field: 'agreement', type: 'quantitative', title: `decisions agreeing with ${input.reference} (%)`, scale: { domain: [0, 100] } } } },
          { mark: { type: 'text', align: 'left', dx: 4 }, encoding: { y, text: { field: 'label' }, x: { value: 0 } } },
        ],
      },
      {
        ...panel,
        layer: [
          { mark: 'bar', encoding: { y: { ...y, axis: { labels: false, ticks: false } }, color, x: { field: 'ms', type: 'quantitative', title: 'mean solve time per trial (ms, log)', scale: msScale }, x2: { datum: base } } },
          { mark: { type: 'text', align: 'left', dx: 4 }, encoding: { y, x: { field: 'ms', type: 'quantitative', scale: msScale }, text: { field: 'ms', type: 'quantitative', format: '.3~r' } } },
        ],
      },
    ],
    resolve: { scale: { x: 'independent' } },
  } as TopLevelSpec;
}
