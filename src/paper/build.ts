/**
 * The paper folder from the experiments' results folders: figures/ (PNG, SVG, PDF and vega-lite spec of every
 * figure, numbered in experiment order), tables/ (CSV) and index.html. Reads only what the runs wrote, so it can
 * be rebuilt at any time from existing results.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { renderPage, type PageExperiment, type PageFigure } from './html.ts';
import { svgToPdf } from './pdf.ts';
import { backdoorTable, crossingTable, defencesTable, practicalTable, readResults, solverTable, toCsvText, type ExperimentResults } from './tables.ts';

export interface PaperEntry {
  readonly name: string;
  readonly description: string;
  /** The experiment file (absolute). */
  readonly configFile: string;
  /** Its results folder (absolute). */
  readonly resultsDir: string;
  /** The command that regenerates this experiment's figures. */
  readonly command: string;
  readonly status: 'done' | 'skipped';
  readonly reason?: string;
  /** PNG paths of its figures, in the order the report drew them (each with .svg and .vl.json beside it). */
  readonly figures: readonly string[];
  /** Sweep name → its one-line description. */
  readonly sweeps: Readonly<Record<string, string>>;
}

export interface PaperOptions {
  readonly outDir: string;
  readonly root: string;
  readonly quick: boolean;
  readonly command: string;
}

export interface PaperFiles {
  readonly index: string;
  readonly figures: number;
  readonly tables: readonly string[];
}

export async function buildPaper(entries: readonly PaperEntry[], options: PaperOptions): Promise<PaperFiles> {
  const { outDir, root } = options;
  const figuresDir = join(outDir, 'figures');
  const tablesDir = join(outDir, 'tables');
  // A rebuild replaces the whole paper, so no figure of an experiment left out this time lingers.
  for (const path of [figuresDir, tablesDir, join(outDir, 'index.html')]) rmSync(path, { recursive: true, force: true });
  mkdirSync(figuresDir, { recursive: true });
  mkdirSync(tablesDir, { recursive: true });

  const done = entries.filter((e) => e.status === 'done');
  const figures: PageFigure[] = [];
  for (const entry of done) {
    for (const png of entry.figures) figures.push(await copyFigure(entry, png, figures.length + 1, options));
  }

  const results: ExperimentResults[] = done.map((e) => readResults(e.name, e.resultsDir));
  const tables = [crossingTable(results), practicalTable(results), backdoorTable(results), defencesTable(results), solverTable(results)].map((table) => {
    const path = join(tablesDir, `${table.name}.csv`);
    writeFileSync(path, toCsvText(table));
    return { ...table, href: `tables/${table.name}.csv` };
  });
  const summaries = done.map((e) => {
    const path = join(tablesDir, `${e.name}-summary.csv`);
    copyFileSync(join(e.resultsDir, 'summary.csv'), path);
    return path;
  });

  const experiments: PageExperiment[] = entries.map((e) => ({
    name: e.name,
    description: e.description,
    status: e.status,
    reason: e.reason,
    provenance: e.status === 'done' ? provenance(e, root) : undefined,
  }));
  const index = join(outDir, 'index.html');
  writeFileSync(
    index,
    renderPage({
      title: 'Purification of Contaminated CNNs via Robust Recovery: reproduced figures and tables',
      quick: options.quick,
      generatedAt: new Date().toISOString(),
      command: options.command,
      methodHref: relative(outDir, join(root, 'docs', 'method.md')),
      experiments,
      figures,
      tables,
    }),
  );
  return { index, figures: figures.length, tables: [...tables.map((t) => join(tablesDir, `${t.name}.csv`)), ...summaries] };
}

async function copyFigure(entry: PaperEntry, png: string, number: number, options: PaperOptions): Promise<PageFigure> {
  const base = png.replace(/\.png$/, '');
  const name = `${entry.name}-${basename(base)}`;
  const to = (ext: string) => join(options.outDir, 'figures', `${name}${ext}`);
  for (const ext of ['.png', '.svg', '.vl.json']) copyFileSync(`${base}${ext}`, to(ext));
  const spec = JSON.parse(readFileSync(`${base}.vl.json`, 'utf8')) as { title?: string | { text?: string | string[]; subtitle?: string | string[] } };
  const { title, subtitle } = titleOf(spec.title);
  writeFileSync(to('.pdf'), await svgToPdf(readFileSync(`${base}.svg`, 'utf8'), title));
  const sweep = Object.keys(entry.sweeps).sort((a, b) => b.length - a.length).find((s) => basename(base).startsWith(`${s}-`));
  const what = sweep ? ` Sweep ${sweep}: ${entry.sweeps[sweep]}.` : '';
  return {
    number,
    experiment: entry.name,
    png: `figures/${name}.png`,
    svg: `figures/${name}.svg`,
    pdf: `figures/${name}.pdf`,
    spec: `figures/${name}.vl.json`,
    title,
    caption: `${subtitle ? `${subtitle}.` : ''}${what} Experiment ${entry.name}: ${entry.description}.`.replace(/\.\./g, '.').trim(),
    command: entry.command,
    configHref: relative(options.outDir, entry.configFile),
    configName: relative(options.root, entry.configFile),
  };
}

function titleOf(title: string | { text?: string | string[]; subtitle?: string | string[] } | undefined): { title: string; subtitle: string } {
  const join = (v: string | string[] | undefined) => [v ?? ''].flat().join(' ').trim();
  if (typeof title === 'string') return { title, subtitle: '' };
  return { title: join(title?.text) || 'Figure', subtitle: join(title?.subtitle) };
}

interface ManifestView {
  git?: { commit: string | null; dirty: boolean | null };
  packages?: Record<string, string>;
  backend?: { requested: string; tfjs: string };
  node?: string;
  platform?: string;
  cpu?: { model: string; cores: number };
  workers?: number;
  trials_planned?: number;
  trials_done?: number;
  resumed_from?: number;
  started_at?: string;
  ended_at?: string | null;
}

/** What produced an experiment's results, from its manifest.json (of the last run into the folder). */
function provenance(entry: PaperEntry, root: string): Record<string, string> {
  const path = join(entry.resultsDir, 'manifest.json');
  if (!existsSync(path)) return { results: relative(root, entry.resultsDir) };
  const m = JSON.parse(readFileSync(path, 'utf8')) as ManifestView;
  const wall = m.started_at && m.ended_at ? `${((Date.parse(m.ended_at) - Date.parse(m.started_at)) / 1000).toFixed(1)} s (last run)` : 'unfinished';
  return {
    commit: m.git?.commit ? m.git.commit.slice(0, 12) : 'unknown',
    dirty: m.git?.dirty === null || m.git?.dirty === undefined ? 'unknown' : m.git.dirty ? 'yes' : 'no',
    backend: m.backend ? `${m.backend.requested} (tfjs ${m.backend.tfjs})` : '—',
    machine: m.cpu ? `${m.platform ?? ''}, ${m.cpu.cores} × ${m.cpu.model}, ${m.workers ?? '?'} workers` : '—',
    node: m.node ?? '—',
    trials: `${m.trials_done ?? '?'} of ${m.trials_planned ?? '?'} (${m.resumed_from ?? 0} reused)`,
    wall,
    packages: Object.entries(m.packages ?? {}).map(([k, v]) => `${k} ${v}`).join(', '),
    results: relative(root, entry.resultsDir),
  };
}
