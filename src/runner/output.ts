/**
 * The output folder contract: config.json (fully resolved), manifest.json, trials.jsonl, summary.csv and
 * figures/. A folder holds the results of exactly one config; rerunning that config resumes, another config
 * is refused (unless --fresh).
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalJson } from '../util/canonical.ts';
import { writeAtomic } from './store.ts';

export interface OutputLayout {
  readonly dir: string;
  readonly config: string;
  readonly manifest: string;
  readonly trials: string;
  readonly summary: string;
  readonly figures: string;
}

export function outputLayout(dir: string): OutputLayout {
  return {
    dir,
    config: join(dir, 'config.json'),
    manifest: join(dir, 'manifest.json'),
    trials: join(dir, 'trials.jsonl'),
    summary: join(dir, 'summary.csv'),
    figures: join(dir, 'figures'),
  };
}

export class OutputConflict extends Error {
  override name = 'OutputConflict';
}

/** Keys that change how a run is executed but never its results; they may differ between resumed runs. */
const EXECUTION_ONLY = ['workers'];

/** Prepare `dir` for `config`: create it, or check it holds this config's results, or clear it with `fresh`. */
export function prepareOutput(out: OutputLayout, config: object, options: { fresh: boolean }): { resumed: boolean } {
  if (options.fresh) for (const path of [out.config, out.manifest, out.trials, out.summary, out.figures]) rmSync(path, { recursive: true, force: true });
  mkdirSync(out.dir, { recursive: true });
  if (existsSync(out.config)) {
    const stored = JSON.parse(readFileSync(out.config, 'utf8'));
    const differences = diffKeys(withoutExecution(stored), withoutExecution(config));
    if (differences.length) {
      throw new OutputConflict(
        `${out.dir} holds results of a different config (differs at ${differences.slice(0, 5).join(', ')}${differences.length > 5 ? ', …' : ''}); ` +
          'rerun with --fresh to replace them, or choose another folder with --out',
      );
    }
    writeAtomic(out.config, JSON.stringify(config, null, 2) + '\n');
    return { resumed: existsSync(out.trials) };
  }
  if (existsSync(out.trials)) {
    throw new OutputConflict(`${out.dir} has a trials.jsonl but no config.json, so its results cannot be matched to a config; rerun with --fresh or choose another --out`);
  }
  writeAtomic(out.config, JSON.stringify(config, null, 2) + '\n');
  return { resumed: false };
}

function withoutExecution(config: object): Record<string, unknown> {
  const copy = { ...(config as Record<string, unknown>) };
  for (const key of EXECUTION_ONLY) delete copy[key];
  return copy;
}

/** Dotted paths at which two JSON values differ. */
export function diffKeys(a: unknown, b: unknown, path = ''): string[] {
  if (canonicalJson(a) === canonicalJson(b)) return [];
  const isObj = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObj(a) || !isObj(b)) return [path || '(top level)'];
  const keys = new Set([...Object.keys(a as object), ...Object.keys(b as object)]);
  return [...keys].flatMap((k) => diffKeys((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path ? `${path}.${k}` : k));
}
