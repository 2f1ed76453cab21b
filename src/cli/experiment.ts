/**
 * npm run experiment -- <name|file> [--out DIR] [--set key.path=value ...] [--trials N] [--fresh] [--repair]
 *
 * The composition root: resolve the config against the kind registry → run it → write the report.
 * Exit codes: 0 done; 2 bad input (the config, the command line, or an output folder that cannot be used);
 * 1 the run failed; 130 interrupted. Errors are one message; the stack only with --debug or DEBUG=1.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { ConfigError } from '../config/errors.ts';
import { listExperiments } from '../config/load.ts';
import { DataFormatError, DataUnavailableError } from '../data/dataset.ts';
import { KINDS, KINDS_URL } from '../kinds/index.ts';
import { buildPlan, DEFAULT_LIMITS, type Plan } from '../plan/plan.ts';
import { resolveExperiment } from '../plan/resolve.ts';
import { writeReport } from '../report/write.ts';
import { OutputConflict } from '../runner/output.ts';
import { LockHeld } from '../runner/lock.ts';
import { InvalidRecords } from '../runner/records.ts';
import { readResults, runExperiment } from '../runner/run.ts';
import { BackendError, BACKENDS } from '../tensor/backend.ts';

const ROOT = resolve(fileURLToPath(import.meta.url), '../../..');

async function main(argv: string[]): Promise<number> {
  const args = await yargs(argv)
    .scriptName('npm run experiment --')
    .usage('$0 <experiment> [options]\n\nRun a named experiment (experiments/<name>.yaml) or a config file, resuming into its output folder.')
    .positional('experiment', { type: 'string', describe: 'experiment name or path to a .yaml/.json config' })
    .option('out', { type: 'string', describe: 'output folder (default results/<experiment>/)' })
    .option('set', { type: 'string', array: true, describe: 'override a config key: --set model.width=32 (value read as YAML; repeatable)' })
    .option('trials', { type: 'number', describe: 'trials per cell (overrides the config)' })
    .option('workers', { type: 'number', describe: 'parallel workers (0 = one per core; results do not depend on it)' })
    .option('backend', { type: 'string', choices: BACKENDS, describe: 'tfjs backend' })
    .option('fresh', { type: 'boolean', default: false, describe: 'discard results already in the output folder and start over' })
    .option('list', { type: 'boolean', default: false, describe: 'list the shipped experiments and exit' })
    .option('dry-run', { type: 'boolean', default: false, describe: 'validate the config, print the plan, and exit' })
    .option('max-cells', { type: 'number', default: DEFAULT_LIMITS.cells, describe: 'refuse a plan with more cells than this' })
    .option('max-trials', { type: 'number', default: DEFAULT_LIMITS.trials, describe: 'refuse a plan with more trials than this' })
    .option('repair', { type: 'boolean', default: false, describe: 'move stored lines that are not valid trial records to trials.rejected.jsonl and rerun their trials' })
    .option('debug', { type: 'boolean', default: false, describe: 'print the stack trace of an error (also DEBUG=1)' })
    .option('report', { type: 'boolean', default: false, describe: 'only rebuild summary.csv and figures/ from the trials already in the output folder' })
    .example('$0 synthetic-sweep', 'run the main synthetic phase-transition sweep')
    .example('$0 synthetic-sweep --trials 2 --set model.patches=2', 'a smaller variant (a different config: new results)')
    .example('$0 my-config.yaml --out /tmp/run1', 'run a config file into a chosen folder')
    .strictOptions()
    .help()
    .alias('h', 'help')
    .version(false)
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((message, err) => {
      throw err ?? new UsageError(message);
    })
    .parseAsync();

  if (args.list) {
    for (const e of listExperiments(ROOT)) console.log(`${e.name.padEnd(24)} ${e.description}`);
    return 0;
  }
  const ref = args._[0];
  if (ref === undefined) throw new UsageError('name an experiment (see --list) or a config file');
  if (args._.length > 1) throw new UsageError(`expected one experiment, got ${args._.join(' ')}`);

  const sets = [...(args.set ?? [])];
  if (args.workers !== undefined) sets.push(`workers=${args.workers}`);
  if (args.backend !== undefined) sets.push(`backend=${args.backend}`);
  // `npm run` starts in the package root; paths on the command line mean what they mean where the user typed them.
  const cwd = process.env.INIT_CWD ?? process.cwd();
  const resolved = resolveExperiment(String(ref), { root: ROOT, sets, trials: args.trials, cwd, limits: { cells: args['max-cells'], trials: args['max-trials'] } }, KINDS);
  const outDir = args.out !== undefined ? resolve(cwd, args.out) : resolve(ROOT, 'results', resolved.config.name);
  const plan = buildPlan(resolved.cells);

  if (args['dry-run']) {
    printPlan(resolved.config.name, plan, outDir);
    return 0;
  }
  if (args.report) {
    const results = readResults(resolved, { outDir, repair: args.repair, command: commandLine(argv), log: (line) => console.error(line) });
    const out = results.out;
    if (results.foreign) console.error(`note: ${results.foreign} record(s) in ${out.trials} belong to no cell of this plan and are not summarised (--repair moves them out)`);
    if (results.beyond) console.error(`note: reporting on the first ${resolved.config.trials} trials per cell; ${results.beyond} later trial(s) in ${out.trials} are kept but not summarised`);
    if (results.missing) console.error(`note: ${results.missing} of ${results.planned} trials of this plan are not done yet; the summary covers ${results.records.length}`);
    const files = await writeReport(resolved.kind, resolved.config, results.records, out);
    if (files.text) console.log(files.text);
    console.log(`wrote ${files.summary} and ${files.figures.length} figure(s) in ${out.figures}`);
    return 0;
  }

  console.error(`${resolved.config.name}: ${plan.cells.length} cells, ${plan.trials.length} trials → ${outDir}`);
  const started = Date.now();
  const progress = { done: 0, planned: plan.trials.length };
  process.once('SIGINT', () => {
    console.error(`\ninterrupted after ${progress.done} of ${progress.planned} trials; rerun the same command to resume`);
    process.exit(130); // the lock is released by its exit handler; finished trials are already on disk
  });
  const outcome = await runExperiment(resolved, {
    outDir,
    fresh: args.fresh,
    repair: args.repair,
    kinds: KINDS_URL,
    root: ROOT,
    command: commandLine(argv),
    log: (line) => console.error(line),
    onTrials: (done, planned) => Object.assign(progress, { done, planned }),
  });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.error(`done in ${seconds} s: ${outcome.ran} trials run, ${outcome.resumedFrom} reused`);
  const report = await writeReport(resolved.kind, resolved.config, outcome.records, outcome.out);
  if (report.text) console.log(report.text);
  const tables = report.tables.map((t) => `\n  table:   ${t}`).join('');
  console.log(`results: ${outcome.out.dir}\n  summary: ${report.summary}${tables}\n  figures: ${report.figures.join('\n           ')}`);
  return 0;
}

function commandLine(argv: readonly string[]): string {
  return ['npm run experiment --', ...argv].join(' ');
}

function printPlan(name: string, plan: Plan<unknown>, outDir: string): void {
  console.log(`${name}: ${plan.cells.length} cells, ${plan.trials.length} trials → ${outDir}`);
  const bySweep = new Map<string, number>();
  for (const cell of plan.cells) bySweep.set(cell.sweep, (bySweep.get(cell.sweep) ?? 0) + 1);
  for (const [sweep, count] of bySweep) {
    const axes = Object.keys(plan.cells.find((c) => c.sweep === sweep)!.params);
    console.log(`  ${sweep}: ${count} cells over ${axes.join(' × ') || '(no axes)'}`);
  }
}

class UsageError extends Error {
  override name = 'UsageError';
}

const argv = hideBin(process.argv);
const debug = argv.includes('--debug') || ['1', 'true'].includes(process.env.DEBUG ?? '');

main(argv).then(
  (code) => process.exit(code),
  (err) => {
    const { code, message } = explain(err);
    console.error(`error: ${message}`);
    if (err instanceof UsageError) console.error('run with --help for usage');
    if (debug && err instanceof Error && err.stack) console.error(err.stack);
    else if (code === 1) console.error('(run with --debug or DEBUG=1 for the stack trace)');
    process.exit(code);
  },
);

/** Bad input → 2; anything else is a fault of the run → 1. File-system errors name the path and the cause. */
function explain(err: unknown): { code: number; message: string } {
  const badInput = [ConfigError, UsageError, OutputConflict, LockHeld, InvalidRecords, BackendError, DataUnavailableError, DataFormatError];
  if (badInput.some((type) => err instanceof type)) return { code: 2, message: (err as Error).message };
  const fs = err as NodeJS.ErrnoException;
  if (err instanceof Error && typeof fs.code === 'string' && FS_CAUSES[fs.code]) {
    const path = fs.path ?? '(unknown path)';
    return { code: fs.code === 'ENOSPC' || fs.code === 'EIO' ? 1 : 2, message: `${path}: ${FS_CAUSES[fs.code]} (${fs.code}${fs.syscall ? ` in ${fs.syscall}` : ''})` };
  }
  return { code: 1, message: err instanceof Error ? err.message : String(err) };
}

const FS_CAUSES: Record<string, string> = {
  ENOTDIR: 'a part of this path is a file, not a folder; choose another --out',
  EEXIST: 'already exists and is not a folder; choose another --out',
  EISDIR: 'is a folder where a file was expected',
  EACCES: 'permission denied; choose a folder you can write to (--out)',
  EPERM: 'operation not permitted; choose a folder you can write to (--out)',
  EROFS: 'is on a read-only file system; choose another --out',
  ENOENT: 'does not exist',
  ENOSPC: 'no space left on the device; free some space and rerun the same command to resume',
  EDQUOT: 'disk quota exceeded; free some space and rerun the same command to resume',
  EIO: 'input/output error on the device',
};
