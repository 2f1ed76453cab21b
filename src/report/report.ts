/** From trials.jsonl to summary.csv and figures/: the last stage of a run, also runnable on its own (--report). */
import { writeFileSync } from 'node:fs';
import type { ExperimentConfig } from '../config/kinds.ts';
import type { SyntheticTrialRecord } from '../pipeline/synthetic.ts';
import type { OutputLayout } from '../runner/output.ts';
import type { StoredTrial } from '../runner/store.ts';
import { renderFigure } from './render.ts';
import { summarize, summaryCsv } from './summary.ts';
import { syntheticFigures } from './synthetic-figures.ts';

export interface ReportFiles {
  readonly summary: string;
  readonly figures: string[];
}

export async function writeReport(config: ExperimentConfig, records: readonly StoredTrial[], out: OutputLayout): Promise<ReportFiles> {
  const trials = records as unknown as SyntheticTrialRecord[];
  const rows = summarize(trials);
  writeFileSync(out.summary, summaryCsv(rows));
  const figures = syntheticFigures(config, config.sweeps, rows, trials);
  const written: string[] = [];
  for (const figure of figures) {
    const files = await renderFigure(figure.spec, out.figures, figure.name);
    written.push(files.png);
  }
  return { summary: out.summary, figures: written };
}
