/**
 * Preparing an output folder (its layout: src/core/output.ts). A folder holds the results of exactly one config;
 * rerunning that config resumes, another config is refused (unless --fresh).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { OutputLayout } from '../core/output.ts';
import { isPlainObject } from '../schema/validate.ts';
import { canonicalJson } from '../util/canonical.ts';
import { writeAtomic } from './store.ts';

export class OutputConflict extends Error {
  override name = 'OutputConflict';
}

/** Keys that change how a run is executed but never its results; they may differ between resumed runs. */
const EXECUTION_ONLY = ['workers', 'launcher'];

/** Shard trial files and manifests (src/runner/shard.ts), which --fresh clears with the rest. */
function shardOutputs(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => /^(trials|manifest)\.shard-\d+-of-\d+\.(jsonl|json)$/.test(name))
    .map((name) => join(dir, name));
}

/** Prepare `dir` for `config`: create it, or check it holds this config's results, or clear it with `fresh`. */
export function prepareOutput(out: OutputLayout, config: object, options: { fresh: boolean }): { resumed: boolean } {
  if (options.fresh) for (const path of [out.config, out.manifest, out.trials, out.summary, out.figures, ...shardOutputs(out.dir)]) rmSync(path, { recursive: true, force: true });
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
  const copy: Record<string, unknown> = { ...config };
  for (const key of EXECUTION_ONLY) delete copy[key];
  return copy;
}

/** Dotted paths at which two JSON values differ. */
export function diffKeys(a: unknown, b: unknown, path = ''): string[] {
  if (canonicalJson(a) === canonicalJson(b)) return [];
  if (!isPlainObject(a) || !isPlainObject(b)) return [path || '(top level)'];
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].flatMap((k) => diffKeys(a[k], b[k], path ? `${path}.${k}` : k));
}
