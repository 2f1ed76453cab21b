/**
 * runExperiment for library users: a config object (the content an experiments/*.yaml file would have) → the
 * same output folder `purify-cnn experiment` writes (trials.jsonl, manifest.json, summary.csv, figures/).
 * Presets named in `defaults` come from the caller's configs/ (userRoot, default the current directory) or the
 * shipped ones; the config is validated in full before anything runs.
 */
import type { RawConfig } from '../config/load.ts';
import { KINDS, KINDS_URL } from '../kinds/index.ts';
import { resolveConfigObject } from '../plan/resolve.ts';
import { writeReport, type ReportFiles } from '../report/write.ts';
import { runExperiment as runResolved } from '../runner/run.ts';
import type { StoredTrial } from '../core/trial.ts';
import { PACKAGE_ROOT } from './package-root.ts';

export interface RunConfigOptions {
  /** Output folder; an existing one with the same config is resumed. */
  readonly outDir: string;
  /** Discard results already in outDir and start over (default false). */
  readonly fresh?: boolean;
  /** `key.path=value` overrides, as --set on the command line. */
  readonly sets?: readonly string[];
  /** Trials per cell (overrides the config). */
  readonly trials?: number;
  /** Folder searched first for configs/<group>/<preset> and experiments/<name> (default: the current directory). */
  readonly userRoot?: string;
  /** Progress and notes, one line at a time (default: silent). */
  readonly log?: (line: string) => void;
  /** Also write summary.csv and figures/ (default true). */
  readonly report?: boolean;
}

export interface RunConfigOutcome {
  readonly outDir: string;
  /** Trials in the plan, trials run now, trials reused from an earlier run in outDir. */
  readonly planned: number;
  readonly ran: number;
  readonly resumedFrom: number;
  /** One record per trial, in plan order (what trials.jsonl holds). */
  readonly records: readonly StoredTrial[];
  readonly report?: ReportFiles;
}

/** Run the experiment a config object describes; `label` names it in error messages (default 'config'). */
export async function runExperiment(config: RawConfig, options: RunConfigOptions, label = 'config'): Promise<RunConfigOutcome> {
  const resolved = resolveConfigObject(config, label, { root: PACKAGE_ROOT, userRoot: options.userRoot ?? process.cwd(), sets: options.sets, trials: options.trials }, KINDS);
  const outcome = await runResolved(resolved, {
    outDir: options.outDir,
    fresh: options.fresh ?? false,
    kinds: KINDS_URL,
    root: PACKAGE_ROOT,
    command: `runExperiment(${label})`,
    log: options.log,
  });
  const report = options.report === false ? undefined : await writeReport(resolved.kind, resolved.config, outcome.records, outcome.out);
  return { outDir: outcome.out.dir, planned: outcome.planned, ran: outcome.ran, resumedFrom: outcome.resumedFrom, records: outcome.records, report };
}
