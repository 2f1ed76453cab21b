/**
 * From trials.jsonl to summary.csv and figures/: the last stage of a run, also runnable on its own (--report).
 * Generic: the kind says how trials become summary rows and which figure kinds exist; this writes the table,
 * draws every figure each sweep asks for from that sweep's rows, and renders them.
 */
import { join } from 'node:path';
import type { CommonConfig } from '../core/config.ts';
import type { ExperimentKind, NamedFigure } from '../core/kind.ts';
import type { OutputLayout } from '../core/output.ts';
import type { StoredTrial } from '../core/trial.ts';
import { writeAtomic } from '../util/atomic.ts';
import { toCsv } from './csv.ts';

export interface ReportFiles {
  readonly summary: string;
  /** PNG paths (each with its .svg and .vl.json beside it). */
  readonly figures: string[];
  /** Further tables written beside summary.csv (e.g. solvers.csv). */
  readonly tables: string[];
  /** Text worth printing at the end of a run (e.g. the solver comparison). */
  readonly text: string;
}

export async function writeReport<C extends CommonConfig, R extends StoredTrial, S extends { readonly sweep: string }>(
  kind: ExperimentKind<C, R, S>,
  config: C,
  records: readonly R[],
  out: OutputLayout,
): Promise<ReportFiles> {
  const rows = kind.summarize(records);
  writeAtomic(out.summary, toCsv(rows, kind.columns));
  const extras = kind.extras?.(records) ?? { tables: [], text: '' };
  const tables = extras.tables.map(({ name, csv }) => {
    const path = join(out.dir, name);
    writeAtomic(path, csv);
    return path;
  });
  const figures: string[] = [];
  const drawn = drawFigures(kind, config, rows, records);
  // vega, vega-lite and resvg take ≈ 0.5 s to import: paid when there is a figure to render, not at start-up.
  if (drawn.length) {
    const { renderFigure } = await import('./render.ts');
    for (const figure of drawn) figures.push((await renderFigure(figure.spec, out.figures, figure.name)).png);
  }
  return { summary: out.summary, figures, tables, text: extras.text };
}

/** Every figure every sweep asks for, drawn from that sweep's rows and records (a sweep with no rows draws none). */
export function drawFigures<C extends CommonConfig, R extends StoredTrial, S extends { readonly sweep: string }>(
  kind: ExperimentKind<C, R, S>,
  config: C,
  rows: readonly S[],
  records: readonly R[],
): NamedFigure[] {
  return Object.entries(config.sweeps).flatMap(([sweep, spec]) => {
    const sweepRows = rows.filter((r) => r.sweep === sweep);
    if (sweepRows.length === 0) return [];
    const context = { sweep, config, rows: sweepRows, records: records.filter((r) => r.sweep === sweep) };
    return spec.figures.flatMap((request) => kind.figures[request.kind].draw(request, context));
  });
}
