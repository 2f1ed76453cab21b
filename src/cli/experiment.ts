/**
 * npm run experiment -- <name|file>   (installed: purify-cnn experiment <name|file>) [--out DIR] [--set key.path=value ...] [--trials N] [--fresh]
 *
 * The composition root: resolve the config against the kind registry → run it → write the report.
 * Exit codes: 0 done; 2 the config or the command line is wrong (nothing was run or written); 1 the run failed.
 */
import { resolve } from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { existsSync } from 'node:fs';
import { ConfigError } from '../config/errors.ts';
import { listExperiments } from '../config/load.ts';
import { outputLayout } from '../core/output.ts';
import { DataFormatError, DataUnavailableError } from '../data/dataset.ts';
import { KINDS, KINDS_URL } from '../kinds/index.ts';
import { buildPlan, type Plan } from '../plan/plan.ts';
import { resolveExperiment } from '../plan/resolve.ts';
import { writeReport } from '../report/write.ts';
import { OutputConflict } from '../runner/output.ts';
import { runExperiment } from '../runner/run.ts';
import { TrialStore } from '../runner/store.ts';
import { BackendError, BACKENDS } from '../tensor/backend.ts';
import { INSTALLED, invokedAs, PACKAGE_ROOT, RESULTS_ROOT, USER_ROOT } from '../lib/package-root.ts';

const ROOT = PACKAGE_ROOT;
const COMMAND = invokedAs('npm run experiment --');

async function main(argv: string[]): Promise<number> {
  const args = await yargs(argv)
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
  const resolved = resolveExperiment(String(ref), { root: ROOT, userRoot: USER_ROOT, sets, trials: args.trials }, KINDS);
  const outDir = resolve(args.out ?? resolve(RESULTS_ROOT, resolved.config.name));
  const plan = buildPlan(resolved.cells);

  if (args['dry-run']) {
    printPlan(resolved.config.name, plan, outDir);
    return 0;
  }
  if (args.report) {
    const out = outputLayout(outDir);
    if (!existsSync(out.trials)) throw new UsageError(`${out.trials} does not exist; run the experiment first`);
    const inPlan = new Set(plan.trials.map((t) => t.key));
    const records = TrialStore.open(out.trials).records().filter((r) => inPlan.has(r.key));
    const files = await writeReport(resolved.kind, resolved.config, records, out);
    if (files.text) console.log(files.text);
    console.log(`wrote ${files.summary} and ${files.figures.length} figure(s) in ${out.figures}`);
    return 0;
  }

  console.error(`${resolved.config.name}: ${plan.cells.length} cells, ${plan.trials.length} trials → ${outDir}`);
  const started = Date.now();
  const outcome = await runExperiment(resolved, {
    outDir,
    fresh: args.fresh,
    kinds: KINDS_URL,
    root: ROOT,
    command: [COMMAND, ...argv].join(' '),
    log: (line) => console.error(line),
  });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.error(`done in ${seconds} s: ${outcome.ran} trials run, ${outcome.resumedFrom} reused`);
  const report = await writeReport(resolved.kind, resolved.config, outcome.records, outcome.out);
  if (report.text) console.log(report.text);
  const tables = report.tables.map((t) => `\n  table:   ${t}`).join('');
  console.log(`results: ${outcome.out.dir}\n  summary: ${report.summary}${tables}\n  figures: ${report.figures.join('\n           ')}`);
  return 0;
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

main(hideBin(process.argv)).then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof ConfigError || err instanceof UsageError) {
      console.error(`error: ${err.message}`);
      if (err instanceof UsageError) console.error('run with --help for usage');
      process.exit(2);
    }
    if (err instanceof OutputConflict || err instanceof BackendError || err instanceof DataUnavailableError || err instanceof DataFormatError) {
      console.error(`error: ${err.message}`);
      process.exit(2);
    }
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(1);
  },
);
