/**
 * From trials.jsonl to summary.csv and figures/: the last stage of a run, also runnable on its own (--report).
 * Each experiment kind has its reporter: how trials aggregate into summary rows and which figures it draws.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExperimentConfig } from '../config/kinds.ts';
import type { SyntheticConfig } from '../config/synthetic-schema.ts';
import type { SyntheticTrialRecord } from '../pipeline/synthetic.ts';
import type { OutputLayout } from '../runner/output.ts';
import type { StoredTrial } from '../runner/store.ts';
import { renderFigure } from './render.ts';
import { compareSolvers, REFERENCE_SOLVER, solverCsv, solverTable } from './solver-agreement.ts';
import { summarize, summaryCsv } from './summary.ts';
import { syntheticFigures, type NamedFigure } from './synthetic-figures.ts';
import { PRACTICAL_REPORTERS } from './practical-report.ts';

export interface ReportFiles {
  readonly summary: string;
  readonly figures: string[];
  /** Further tables written beside summary.csv (e.g. solvers.csv). */
  readonly tables: string[];
  /** Text worth printing at the end of a run (e.g. the solver comparison). */
  readonly text: string;
}

/** A kind's report: the summary table as CSV text, further tables, the figures to render, text to print. */
export interface Report {
  readonly csv: string;
  readonly figures: readonly NamedFigure[];
  readonly tables?: readonly { name: string; csv: string }[];
  readonly text?: string;
}

export type Reporter = (config: ExperimentConfig, records: readonly StoredTrial[]) => Report;

const synthetic: Reporter = (config, records) => {
  const trials = records as unknown as SyntheticTrialRecord[];
  const rows = summarize(trials);
  const solvers = compareSolvers(trials);
  return {
    csv: summaryCsv(rows),
    figures: syntheticFigures(config as SyntheticConfig, config.sweeps, rows, trials),
    tables: solvers ? [{ name: 'solvers.csv', csv: solverCsv(solvers) }] : [],
    text: solvers ? `solver comparison (reference: ${REFERENCE_SOLVER}, same trials):\n${solverTable(solvers)}` : '',
  };
};

export const REPORTERS: Record<ExperimentConfig['kind'], Reporter> = { synthetic, ...PRACTICAL_REPORTERS };

export async function writeReport(config: ExperimentConfig, records: readonly StoredTrial[], out: OutputLayout): Promise<ReportFiles> {
  const report = REPORTERS[config.kind](config, records);
  writeFileSync(out.summary, report.csv);
  const tables = (report.tables ?? []).map(({ name, csv }) => {
    const path = join(out.dir, name);
    writeFileSync(path, csv);
    return path;
  });
  const written: string[] = [];
  for (const figure of report.figures) written.push((await renderFigure(figure.spec, out.figures, figure.name)).png);
  return { summary: out.summary, figures: written, tables, text: report.text ?? '' };
}
