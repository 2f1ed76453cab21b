/**
 * npm run paper [-- --quick] [--only name,name] [--out DIR] [--results DIR]
 *
 * Every shipped experiment in turn (each resuming into its results folder), then the paper: DIR/index.html,
 * figures/ (PNG, SVG, PDF, spec) and tables/ (CSV). An experiment whose data are absent is skipped with the reason.
 * `paperMain(argv)` is what the installable CLI calls; it returns the exit code (0 done, 2 bad input, 1 failed).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import yargs from 'yargs';
import { parseStrictly, UsageError } from './usage.ts';
import { hideBin } from 'yargs/helpers';
import { ConfigError } from '../config/errors.ts';
import { experimentNames } from '../config/load.ts';
import { outputLayout } from '../core/output.ts';
import { DataFormatError, DataUnavailableError } from '../data/dataset.ts';
import { KINDS, KINDS_URL } from '../kinds/index.ts';
import { buildPaper, type PaperEntry } from '../paper/build.ts';
import { FontMissing } from '../paper/pdf.ts';
import { buildPlan } from '../plan/plan.ts';
import { resolveExperiment, type ResolvedExperiment } from '../plan/resolve.ts';
import { writeReport } from '../report/write.ts';
import { OutputConflict } from '../runner/output.ts';
import { runExperiment } from '../runner/run.ts';
import { TrialStore } from '../runner/store.ts';
import { BackendError } from '../tensor/backend.ts';
import { PACKAGE_ROOT, RESULTS_ROOT, USER_ROOT } from '../lib/package-root.ts';

const ROOT = PACKAGE_ROOT;

/** The paper's order: the synthetic theory first, then practical networks; other experiments after, by name. */
const ORDER = ['synthetic-sweep', 'output-layer-sweep', 'gaussian-ablation', 'relu-training-sweep', 'compare-solvers', 'mnist-purify', 'mnist-breakdown', 'mnist-multilayer', 'mnist-backdoor', 'mnist-finetune-purify', 'mnist-finetune-backdoor', 'cifar-purify', 'cifar-backdoor', 'cifar-finetune-purify', 'cifar-finetune-backdoor'];

function paperOrder(names: readonly string[]): string[] {
  const rank = (n: string) => (ORDER.includes(n) ? ORDER.indexOf(n) : ORDER.length);
  return [...names].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

interface Planned {
  readonly name: string;
  readonly resolved: ResolvedExperiment;
  readonly trials: number;
  /** Trials not yet in its trials.jsonl (for the ETA; the runner decides what actually runs). */
  readonly pending: number;
  readonly outDir: string;
}

function pendingTrials(keys: readonly string[], trials: string): number {
  if (!existsSync(trials)) return keys.length;
  const store = TrialStore.open(trials);
  return keys.filter((k) => !store.has(k)).length;
}

async function paper(argv: string[]): Promise<number> {
  const args = await parseStrictly(
    yargs(argv)
      .scriptName('npm run paper --')
      .usage('$0 [options]\n\nRun every shipped experiment in turn (resuming into its results folder), then build the paper:\nindex.html, figures/ (PNG, SVG, PDF, vega-lite spec) and tables/ (CSV).')
      .option('quick', { type: 'boolean', default: false, describe: "each experiment's quick variant (its quick: block), results in results/quick/<name>/" })
      .option('only', { type: 'string', describe: 'comma-separated experiment names (default: all of experiments/)' })
      .option('out', { type: 'string', describe: 'paper folder (default results/paper/; rebuilt whole each time)' })
      .option('results', { type: 'string', describe: 'folder of the experiments\' results folders (default results/, with --quick results/quick/)' })
      .option('workers', { type: 'number', describe: 'parallel workers per experiment (0 = one per core; results do not depend on it)' })
      .option('report-only', { type: 'boolean', default: false, describe: 'run nothing: build the paper from the results already there' })
      .example('$0 --quick', 'the whole paper from the quick variants (minutes)')
      .example('$0 --only synthetic-sweep,compare-solvers', 'two experiments, full size')
  );
  if (args._.length > 0) throw new UsageError(`unexpected argument(s) ${args._.join(' ')}; select experiments with --only`);

  const quick = args.quick;
  const known = paperOrder(experimentNames(ROOT));
  const names = args.only === undefined ? known : paperOrder(args.only.split(',')).map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length) throw new UsageError(`--only: no experiment named ${unknown.join(', ')}; expected some of: ${known.join(', ')}`);
  if (names.length === 0) throw new UsageError('--only names no experiment');
  const resultsRoot = args.results !== undefined ? resolve(USER_ROOT, args.results) : resolve(RESULTS_ROOT, quick ? 'quick' : '.');
  const outDir = args.out !== undefined ? resolve(USER_ROOT, args.out) : resolve(RESULTS_ROOT, 'paper');
  const sets = args.workers === undefined ? [] : [`workers=${args.workers}`];

  // Every config is resolved (and so validated) before the first trial runs.
  const planned: Planned[] = names.map((name) => {
    const resolved = resolveExperiment(name, { root: ROOT, sets, quick }, KINDS);
    const trials = buildPlan(resolved.cells).trials;
    const outDir = resolve(resultsRoot, name);
    return { name, resolved, trials: trials.length, pending: pendingTrials(trials.map((t) => t.key), outputLayout(outDir).trials), outDir };
  });
  const total = planned.reduce((sum, p) => sum + p.trials, 0);
  const pending = planned.reduce((sum, p) => sum + p.pending, 0);
  console.error(`paper${quick ? ' (quick)' : ''}: ${planned.length} experiments, ${total} trials (${pending} to run); results in ${resultsRoot}, paper in ${outDir}`);

  const started = Date.now();
  let settled = 0; // trials run, reused or skipped so far
  const timing = new TrialTiming();
  const entries: PaperEntry[] = [];
  for (const [i, p] of planned.entries()) {
    const head = `[${i + 1}/${planned.length}] ${p.name}`;
    const entry = await runOne(p, { quick, reportOnly: args['report-only'], sets, head });
    entries.push(entry.paper);
    settled += p.trials;
    timing.add(p.resolved.kind.name, entry.ran, entry.ms);
    const eta = timing.estimate(planned.slice(i + 1).map((q) => ({ kind: q.resolved.kind.name, pending: q.pending })));
    console.error(`${head}: ${entry.line} — overall ${settled}/${total} trials, ${duration(Date.now() - started)} elapsed${eta ? `, ${eta}` : ''}`);
  }

  const command = ['npm run paper --', ...argv].join(' ').replace(/ --$/, '');
  const files = await buildPaper(entries, { outDir, root: ROOT, quick, command });
  const skipped = entries.filter((e) => e.status === 'skipped');
  console.log(`paper: ${files.index}\n  ${files.figures} figures (PNG, SVG, PDF, spec) in ${resolve(outDir, 'figures')}\n  ${files.tables.length} tables in ${resolve(outDir, 'tables')}`);
  for (const s of skipped) console.log(`  skipped ${s.name}: ${s.reason?.split(/(?<=\.) /)[0]} (index.html says how to get the data)`);
  console.error(`paper built in ${duration(Date.now() - started)}`);
  return 0;
}

async function runOne(p: Planned, options: { quick: boolean; reportOnly: boolean; sets: readonly string[]; head: string }): Promise<{ paper: PaperEntry; ran: number; ms: number; line: string }> {
  const { resolved } = p;
  const command = options.quick ? `npm run paper -- --quick --only ${p.name}` : `npm run experiment -- ${p.name}`;
  const base = {
    name: p.name,
    description: resolved.config.description,
    configFile: resolved.file,
    resultsDir: p.outDir,
    command,
    sweeps: Object.fromEntries(Object.entries(resolved.config.sweeps).map(([name, s]) => [name, s.description])),
  };
  // The page keeps the whole reason (it says how to get the data); the progress line its first sentence.
  const skip = (reason: string) => ({ paper: { ...base, status: 'skipped' as const, reason, figures: [] }, ran: 0, ms: 0, line: `skipped: ${reason.split(/(?<=\.) /)[0]}` });
  const started = Date.now();
  if (options.reportOnly) {
    const out = outputLayout(p.outDir);
    if (!existsSync(out.trials)) return skip(`no results in ${out.dir} yet (run without --report-only)`);
    const inPlan = new Set(buildPlan(resolved.cells).trials.map((t) => t.key));
    const records = TrialStore.open(out.trials).records().filter((r) => inPlan.has(r.key));
    const report = await writeReport(resolved.kind, resolved.config, records, out);
    return { paper: { ...base, status: 'done', figures: report.figures }, ran: 0, ms: 0, line: `report rebuilt from ${records.length} trials, ${report.figures.length} figures` };
  }
  try {
    const outcome = await runQuickOrFull(resolved, {
      outDir: p.outDir,
      fresh: false,
      kinds: KINDS_URL,
      root: ROOT,
      command: options.quick ? `npm run paper -- --quick --only ${p.name}` : `npm run experiment -- ${p.name}${options.sets.map((s) => ` --set ${s}`).join('')}`,
      log: (line) => console.error(`${options.head}: ${line}`),
    }, options.quick);
    const ms = Date.now() - started;
    const report = await writeReport(resolved.kind, resolved.config, outcome.records, outcome.out);
    const line = `${outcome.ran} trials run, ${outcome.resumedFrom} reused in ${duration(ms)}, ${report.figures.length} figures`;
    return { paper: { ...base, status: 'done', figures: report.figures }, ran: outcome.ran, ms, line };
  } catch (err) {
    if (err instanceof DataUnavailableError) return skip(err.message.replace(/\s*\n\s*/g, ' ').trim());
    throw err;
  }
}

/**
 * Time per trial measured so far, per experiment kind (a practical trial trains a network, a synthetic one solves
 * a small LP: they differ a hundredfold), for the overall ETA of the trials still pending. Reused trials are not
 * counted; a kind not yet timed is named rather than guessed.
 */
class TrialTiming {
  private readonly byKind = new Map<string, { trials: number; ms: number }>();

  add(kind: string, trials: number, ms: number): void {
    if (trials === 0) return;
    const t = this.byKind.get(kind) ?? { trials: 0, ms: 0 };
    this.byKind.set(kind, { trials: t.trials + trials, ms: t.ms + ms });
  }

  /** The ETA of the remaining experiments' pending trials, as text ('' when nothing remains to run). */
  estimate(remaining: readonly { kind: string; pending: number }[]): string {
    const todo = remaining.filter((r) => r.pending > 0);
    if (todo.length === 0) return '';
    const untimed = [...new Set(todo.filter((r) => !this.byKind.has(r.kind)).map((r) => r.kind))];
    const ms = todo.reduce((sum, r) => {
      const t = this.byKind.get(r.kind);
      return t ? sum + (t.ms / t.trials) * r.pending : sum;
    }, 0);
    if (untimed.length === new Set(todo.map((r) => r.kind)).size) return `ETA once a ${untimed.join(' or ')} experiment has run`;
    return untimed.length ? `ETA ≈ ${duration(ms)} + the ${untimed.join(', ')} experiments (not timed yet)` : `ETA ≈ ${duration(ms)}`;
  }
}

/**
 * A full run resumes or is refused when its folder holds another config (nothing is ever deleted). A quick run's
 * folder only ever holds quick results, which are cheap: when the quick block changed, it starts that folder afresh.
 */
async function runQuickOrFull(resolved: ResolvedExperiment, options: Parameters<typeof runExperiment>[1], quick: boolean) {
  try {
    return await runExperiment(resolved, options);
  } catch (err) {
    if (!(quick && err instanceof OutputConflict)) throw err;
    options.log?.(`the quick variant changed since ${options.outDir} was written: starting it afresh`);
    return runExperiment(resolved, { ...options, fresh: true });
  }
}

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : s < 3600 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}

/** Run the paper command; resolves to the exit code (ordinary errors print one line, no stack trace). */
export async function paperMain(argv: string[]): Promise<number> {
  try {
    return await paper(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`error: ${err.message}\nrun with --help for usage`);
      return 2;
    }
    if (err instanceof ConfigError || err instanceof OutputConflict || err instanceof BackendError || err instanceof DataFormatError || err instanceof FontMissing) {
      console.error(`error: ${err.message}`);
      return 2;
    }
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    return 1;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  paperMain(hideBin(process.argv)).then((code) => process.exit(code));
}
