/**
 * index.html of the paper: one static page, relative links only, no script, no network. Figures are numbered in
 * the order of the experiments and their sweeps; tables and provenance come from the results folders.
 */
import type { PaperTable, Value } from './tables.ts';

export interface PageFigure {
  readonly number: number;
  readonly experiment: string;
  /** Paths relative to the page. */
  readonly png: string;
  readonly svg: string;
  readonly pdf: string;
  readonly spec: string;
  readonly title: string;
  readonly caption: string;
  readonly command: string;
  /** The config file, relative to the page, and as the user names it. */
  readonly configHref: string;
  readonly configName: string;
}

export interface PageExperiment {
  readonly name: string;
  readonly description: string;
  readonly status: 'done' | 'skipped';
  readonly reason?: string;
  readonly provenance?: Record<string, string>;
}

export interface Page {
  readonly title: string;
  readonly quick: boolean;
  readonly generatedAt: string;
  readonly command: string;
  readonly methodHref: string;
  readonly experiments: readonly PageExperiment[];
  readonly figures: readonly PageFigure[];
  readonly tables: readonly (PaperTable & { readonly href: string })[];
}

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function formatValue(v: Value): string {
  if (v === null) return '—';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)));
  return v;
}

const STYLE = `
body { font-family: "DejaVu Sans", sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.45; }
h1 { font-size: 1.6em; } h2 { margin-top: 2em; border-bottom: 1px solid #ccc; }
.quick { background: #fff4d6; border: 1px solid #e0b84a; padding: .6em 1em; }
figure { margin: 2em 0; } figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: .92em; } code { background: #f3f3f3; padding: 0 .25em; font-size: .9em; }
table { border-collapse: collapse; font-size: .82em; margin: .5em 0 1.5em; display: block; overflow-x: auto; }
th, td { border: 1px solid #ddd; padding: .2em .45em; text-align: right; white-space: nowrap; } th { background: #f5f5f5; }
td:first-child, th:first-child { text-align: left; } .files a { margin-right: .6em; }
`;

export function renderPage(page: Page): string {
  const skipped = page.experiments.filter((e) => e.status === 'skipped');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(page.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escape(page.title)}</h1>
<p>Built ${escape(page.generatedAt)} by <code>${escape(page.command)}</code>. Every number and figure below is computed from the results folders named in the provenance table; rerunning the command reuses finished trials.</p>
${page.quick ? '<p class="quick"><strong>Quick variant.</strong> Each experiment ran its <code>quick:</code> block (fewer trials, coarser grids): the shapes are right, the numbers are noisy. <code>npm run paper</code> without <code>--quick</code> builds the full paper.</p>' : ''}
${skipped.length ? `<p class="quick"><strong>Skipped:</strong> ${skipped.map((e) => `${escape(e.name)} (${escape(firstSentence(e.reason ?? ''))})`).join('; ')}. How to get the data: <a href="#provenance">provenance</a>.</p>` : ''}
<h2 id="methods">Methods</h2>
<p>A network whose trained weights were corrupted on a sparse set of coordinates is repaired by an l1 projection onto the subspace
spanned by its (benign, unlabeled) inputs: the clean update lies in that subspace, the corruption is sparse, so the l1 fit recovers the
clean weights exactly up to a critical corruption fraction ε*(n/m) that depends only on the subspace's dimension n relative to the
number of coordinates m. The synthetic sweeps measure this phase transition; the practical experiments purify MNIST/CIFAR-10 networks and
remove a BadNets backdoor. Full description: <a href="${escape(page.methodHref)}">docs/method.md</a>.</p>
<h2 id="figures">Figures</h2>
${page.figures.map(figureHtml).join('\n')}
<h2 id="tables">Tables</h2>
${page.tables.filter((t) => t.rows.length > 0).map(tableHtml).join('\n')}
${absentTables(page.tables)}
<h2 id="provenance">Provenance</h2>
${provenanceHtml(page.experiments)}
</body>
</html>
`;
}

const firstSentence = (text: string) => text.split(/(?<=\.) /)[0];

function figureHtml(f: PageFigure): string {
  return `<figure id="fig-${f.number}">
<img src="${escape(f.png)}" alt="Figure ${f.number}: ${escape(f.title)}">
<figcaption><strong>Figure ${f.number}. ${escape(f.title)}</strong> ${escape(f.caption)}<br>
Regenerate: <code>${escape(f.command)}</code> (config <a href="${escape(f.configHref)}">${escape(f.configName)}</a>).
<span class="files">Files: <a href="${escape(f.pdf)}">PDF</a><a href="${escape(f.svg)}">SVG</a><a href="${escape(f.png)}">PNG</a><a href="${escape(f.spec)}">vega-lite spec</a></span></figcaption>
</figure>`;
}

/** A table with no rows (its experiments were left out or skipped) is named, not drawn empty. */
function absentTables(tables: readonly PaperTable[]): string {
  const empty = tables.filter((t) => t.rows.length === 0);
  return empty.length ? `<p>Not in this build (no results from the experiments behind them): ${empty.map((t) => escape(t.title)).join('; ')}.</p>` : '';
}

function tableHtml(t: PaperTable & { readonly href: string }): string {
  const body = t.rows.map((r) => `<tr>${t.columns.map((c) => `<td>${escape(formatValue(r[c] ?? null))}</td>`).join('')}</tr>`).join('\n');
  return `<h3 id="table-${escape(t.name)}">${escape(t.title)}</h3>
<p>${escape(t.caption)} <a href="${escape(t.href)}">CSV</a></p>
<table><thead><tr>${t.columns.map((c) => `<th>${escape(c)}</th>`).join('')}</tr></thead>
<tbody>
${body}
</tbody></table>`;
}

function provenanceHtml(experiments: readonly PageExperiment[]): string {
  const columns = ['experiment', 'status', 'commit', 'dirty', 'backend', 'machine', 'node', 'trials', 'wall time', 'packages', 'results'];
  const rows = experiments.map((e) => {
    const p = e.provenance ?? {};
    const cells = [e.name, e.status === 'done' ? 'done' : `skipped: ${e.reason ?? ''}`, p.commit, p.dirty, p.backend, p.machine, p.node, p.trials, p.wall, p.packages, p.results];
    return `<tr>${cells.map((c) => `<td>${escape(c ?? '—')}</td>`).join('')}</tr>`;
  });
  return `<table id="table-provenance"><thead><tr>${columns.map((c) => `<th>${c}</th>`).join('')}</tr></thead>
<tbody>
${rows.join('\n')}
</tbody></table>`;
}
