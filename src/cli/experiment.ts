/**
 * npm run experiment -- <name|file>   (installed: purify-cnn experiment <name|file>) [--out DIR] [--set key.path=value ...]
 *   [--trials N] [--fresh] [--repair] [--shard I/N]
 *
 * The composition root: resolve the config against the kind registry → run it → write the report.
 * Exit codes: 0 done; 2 bad input (the config, the command line, or an output folder that cannot be used);
 * 1 the run failed; 130 interrupted. Errors are one message; the stack only with --debug or DEBUG=1.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import yargs from 'yargs';
import { parseStrictly, UsageError } from './usage.ts';
import { hideBin } from 'yargs/helpers';
import { ConfigError } from '../config/errors.ts';
import { listExperiments } from '../config/load.ts';
import { outputLayout } from '../core/output.ts';
import { DataFormatError, DataUnavailableError } from '../data/dataset.ts';
import { KINDS, KINDS_URL } from '../kinds/index.ts';
import { describeEstimate, LARGE_TRIAL_BYTES } from '../plan/footprint.ts';
import { buildPlan, DEFAULT_LIMITS, type Plan } from '../plan/plan.ts';
import { resolveExperiment } from '../plan/resolve.ts';
import { writeReport } from '../report/write.ts';
import { launchSlurm, LaunchError, quote, readSubmissions, slurmScripts, statusLines, type SlurmSpec } from '../launch/slurm.ts';
import { acquireLock, LockHeld } from '../runner/lock.ts';
import { OutputConflict, prepareOutput } from '../runner/output.ts';
import { InvalidRecords } from '../runner/records.ts';
import { readResults, runExperiment } from '../runner/run.ts';
import { describeUnfinished, mergeShards, parseShard, shardFiles, shardFromEnv, ShardError, shardProgress } from '../runner/shard.ts';
import { BackendError, BACKENDS } from '../tensor/backend.ts';
import { INSTALLED, invokedAs, PACKAGE_ROOT, RESULTS_ROOT, USER_ROOT } from '../lib/package-root.ts';

const ROOT = PACKAGE_ROOT;
const COMMAND = invokedAs('npm run experiment --');

async function main(argv: string[]): Promise<number> {
  const args = await parseStrictly(
    yargs(argv)
      .scriptName(COMMAND)
      .usage('$0 <experiment> [options]\n\nRun a named experiment (experiments/<name>.yaml) or a config file, resuming into its output folder.')
      .positional('experiment', { type: 'string', describe: 'experiment name or path to a .yaml/.json config' })
      .option('out', { type: 'string', describe: `output folder (default ${INSTALLED ? './results' : 'results'}/<experiment>/)` })
      .option('set', { type: 'string', array: true, describe: 'override a config key: --set model.width=32 (value read as YAML; repeatable)' })
      .option('trials', { type: 'number', describe: 'trials per cell (overrides the config)' })
      .option('workers', { type: 'number', describe: 'parallel workers (0 = one per core; results do not depend on it)' })
      .option('backend', { type: 'string', choices: BACKENDS, describe: 'tfjs backend' })
      .option('fresh', { type: 'boolean', default: false, describe: 'discard results already in the output folder and start over' })
      .option('list', { type: 'boolean', default: false, describe: 'list the shipped experiments and exit' })
      .option('dry-run', { type: 'boolean', default: false, describe: 'validate the config, print the plan, and exit' })
      .option('max-cells', { type: 'number', default: DEFAULT_LIMITS.cells, describe: 'refuse a plan with more cells than this' })
      .option('max-trials', { type: 'number', default: DEFAULT_LIMITS.trials, describe: 'refuse a plan with more trials than this' })
      .option('max-memory', { type: 'number', default: Number((DEFAULT_LIMITS.memory / 1e9).toFixed(1)), describe: 'refuse a run whose workers would hold more than this many GB at once (estimate; default 80 % of this machine)' })
      .option('repair', { type: 'boolean', default: false, describe: 'move stored lines that are not valid trial records to trials.rejected.jsonl and rerun their trials' })
      .option('debug', { type: 'boolean', default: false, describe: 'print the stack trace of an error (also DEBUG=1)' })
          .option('report', { type: 'boolean', default: false, describe: 'only rebuild summary.csv and figures/ from the trials already in the output folder (merging the shards\' trial files into trials.jsonl)' })
      .option('shard', { type: 'string', describe: 'run shard I of N (I from 0) of the plan into its own trial file; inside a SLURM array read from SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT' })
      .option('launcher', { type: 'string', choices: ['slurm'], describe: 'submit the sweep to a cluster: a job array of --array shards, then a merge job (--dry-run prints the sbatch scripts)' })
      .option('array', { type: 'number', describe: 'shards (array tasks) for --launcher (or launcher.array in the config)' })
      .option('partition', { type: 'string', describe: 'sbatch --partition (or launcher.partition)' })
      .option('time', { type: 'string', describe: 'sbatch --time per shard (or launcher.time)' })
      .option('cpus-per-task', { type: 'number', describe: 'sbatch --cpus-per-task; a shard runs that many workers (or launcher.cpusPerTask)' })
      .option('mem', { type: 'string', describe: 'sbatch --mem per shard (or launcher.mem)' })
      .option('account', { type: 'string', describe: 'sbatch --account (or launcher.account)' })
      .option('qos', { type: 'string', describe: 'sbatch --qos (or launcher.qos)' })
      .option('sbatch', { type: 'string', array: true, describe: 'a further sbatch option for both jobs, e.g. --sbatch=--gres=gpu:1 (repeatable; or launcher.extra)' })
      .option('status', { type: 'boolean', default: false, describe: 'show each shard\'s progress in the output folder (and the SLURM jobs submitted into it), then exit' })
      .example('$0 synthetic-sweep', 'run the main synthetic phase-transition sweep')
      .example('$0 synthetic-sweep --trials 2 --set model.patches=2', 'a smaller variant (a different config: new results)')
      .example('$0 my-config.yaml --out /tmp/run1', 'run a config file into a chosen folder')
      .example('$0 synthetic-sweep --launcher slurm --array 8 --time 02:00:00', 'submit 8 shards as a SLURM array and a merge job')
      .example('$0 synthetic-sweep --shard $JOB_COMPLETION_INDEX/8', 'one shard under another array launcher (then --report merges)')
  );

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
  const cwd = USER_ROOT;
  const resolved = resolveExperiment(String(ref), { root: ROOT, userRoot: USER_ROOT, sets, trials: args.trials, cwd, limits: { cells: args['max-cells'], trials: args['max-trials'], memory: memoryLimit(args['max-memory']) } }, KINDS);
  const outDir = args.out !== undefined ? resolve(cwd, args.out) : resolve(RESULTS_ROOT, resolved.config.name);
  const plan = buildPlan(resolved.cells);

  const launcher = { ...resolved.config.launcher, ...definedOnly({ array: args.array, partition: args.partition, time: args.time, cpusPerTask: args['cpus-per-task'], mem: args.mem, account: args.account, qos: args.qos }) };
  if (args.status) return printStatus(resolved, outDir, launcher.array);
  if (args.launcher === 'slurm') {
    const { array, ...options } = launcher;
    if (array === undefined) throw new UsageError('--launcher slurm needs the number of shards: --array N (or launcher.array in the config)');
    if (args.shard !== undefined) throw new UsageError('--shard runs one shard here; --launcher submits them all: give one or the other');
    const spec: SlurmSpec = {
      name: resolved.config.name,
      outDir,
      root: ROOT,
      args: repeatedArgs(String(ref), cwd, args),
      workersGiven: args.workers !== undefined,
      shards: array,
      options: { ...options, extra: [...(launcher.extra ?? []), ...(args.sbatch ?? [])] },
    };
    if (args['dry-run']) {
      const scripts = slurmScripts(spec);
      console.log(`# ${scripts.shardPath} (sbatch --array=0-${array - 1})\n${scripts.shard}\n# ${scripts.mergePath} (sbatch --dependency=afterok:<array job>)\n${scripts.merge}`);
      return 0;
    }
    prepareOutput(outputLayout(outDir), resolved.config, { fresh: args.fresh }); // refuses another config's folder
    const progress = shardProgress(outputLayout(outDir), plan.trials, array, resolved.kind);
    console.error(`${resolved.config.name}: ${plan.trials.length} trials in ${array} shards → ${outDir}`);
    for (const line of launchSlurm(spec, progress).lines) console.log(line);
    console.log(`watch: npm run experiment -- ${[...repeatedArgs(String(ref), cwd, args), '--out', outDir, '--status'].map(quote).join(' ')}`);
    return 0;
  }
  const workers = resolved.config.workers || availableParallelism();
  if (args['dry-run']) {
    printPlan(resolved.config.name, plan, outDir);
    if (resolved.memory) console.log(`  ${describeEstimate(resolved.memory, workers, plan.trials.length)}`);
    return 0;
  }
  if (args.report && shardFiles(outDir).length > 0) return mergeReport(resolved, plan, outDir, argv);
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

  const shard = args.shard !== undefined ? parseShard(args.shard) : shardFromEnv(process.env);
  if (shard && args.fresh) throw new UsageError('--fresh clears the whole folder, which other shards share; clear it once before starting the shards');
  const part = shard ? ` (shard ${shard.index}/${shard.count})` : '';
  console.error(`${resolved.config.name}: ${plan.cells.length} cells, ${plan.trials.length} trials${part} → ${outDir}`);
  if (resolved.memory && resolved.memory.perTrial > LARGE_TRIAL_BYTES) console.error(`warning: ${describeEstimate(resolved.memory, workers, plan.trials.length)}`);
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
    shard,
    onTrials: (done, planned) => Object.assign(progress, { done, planned }),
  });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.error(`done in ${seconds} s: ${outcome.ran} trials run, ${outcome.resumedFrom} reused`);
  if (shard) {
    console.log(`shard ${shard.index}/${shard.count}: ${outcome.planned} trials in ${outcome.out.trials}; merge all shards with --report`);
    return 0;
  }
  const report = await writeReport(resolved.kind, resolved.config, outcome.records, outcome.out);
  if (report.text) console.log(report.text);
  const tables = report.tables.map((t) => `\n  table:   ${t}`).join('');
  console.log(`results: ${outcome.out.dir}\n  summary: ${report.summary}${tables}\n  figures: ${report.figures.join('\n           ')}`);
  return 0;
}

/** The experiment arguments a job repeats: the reference (a file made absolute) and the options that shape the config. */
function repeatedArgs(ref: string, cwd: string, args: { set?: string[]; trials?: number; backend?: string; workers?: number }): string[] {
  const out = [existsSync(resolve(cwd, ref)) ? resolve(cwd, ref) : ref];
  for (const set of args.set ?? []) out.push('--set', set);
  if (args.trials !== undefined) out.push('--trials', String(args.trials));
  if (args.backend !== undefined) out.push('--backend', args.backend);
  if (args.workers !== undefined) out.push('--workers', String(args.workers));
  return out;
}

function definedOnly<T extends Record<string, unknown>>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** --status: the shards' progress from the folder (shard count from --array, the config, the last submission or the files). */
function printStatus(resolved: ReturnType<typeof resolveExperiment>, outDir: string, array: number | undefined): number {
  const count = array ?? readSubmissions(outDir).at(-1)?.shards ?? Math.max(0, ...shardFiles(outDir).map((f) => f.shard.count));
  if (count === 0) throw new UsageError(`${outDir} holds no shards yet (and --array does not say how many there are)`);
  const progress = shardProgress(outputLayout(outDir), buildPlan(resolved.cells).trials, count, resolved.kind);
  for (const line of statusLines(outDir, progress)) console.log(line);
  return 0;
}

/** --report on a sharded folder: merge the shards into trials.jsonl, write the report, say what is missing. */
async function mergeReport(resolved: ReturnType<typeof resolveExperiment>, plan: Plan<unknown>, outDir: string, argv: readonly string[]): Promise<number> {
  const out = outputLayout(outDir);
  prepareOutput(out, resolved.config, { fresh: false }); // refuses a folder that holds another config's results
  const lock = acquireLock(out.trials, commandLine(argv)); // the merged file is ours; shard files are only read
  const merged = (() => {
    try {
      return mergeShards(out, buildPlan(resolved.cells).trials, resolved.kind);
    } finally {
      lock.release();
    }
  })();
  const files = await writeReport(resolved.kind, resolved.config, merged.records, out);
  if (files.text) console.log(files.text);
  console.log(`merged ${merged.records.length} of ${merged.planned} trials from ${shardFiles(outDir).length} shard file(s) into ${out.trials}`);
  console.log(`wrote ${files.summary} and ${files.figures.length} figure(s) in ${out.figures}`);
  const unfinished = describeUnfinished(merged.shards);
  if (merged.records.length < plan.trials.length) {
    console.error(`warning: ${plan.trials.length - merged.records.length} trials are missing; the report covers only the finished ones`);
    for (const line of unfinished) console.error(`  ${line}`);
    console.error('  rerun the missing shards (same command with --shard I/N, or the --launcher command again), then --report');
  }
  return 0;
}

function commandLine(argv: readonly string[]): string {
  return [COMMAND, ...argv].join(' ');
}

/** --max-memory in GB, as bytes. */
function memoryLimit(gb: number): number {
  if (!Number.isFinite(gb) || gb <= 0) throw new UsageError(`--max-memory: expected a positive number of GB, got ${gb}`);
  return gb * 1e9;
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
  const badInput = [ConfigError, UsageError, ShardError, LaunchError, OutputConflict, LockHeld, InvalidRecords, BackendError, DataUnavailableError, DataFormatError];
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
