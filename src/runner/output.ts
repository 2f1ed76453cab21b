/**
 * Preparing an output folder (its layout: src/core/output.ts). A folder holds the results of exactly one config;
 * rerunning that config resumes, another config is refused (unless --fresh). The one difference allowed is the
 * number of trials per cell: trials are seeded by their index, so more trials extend the folder and fewer use a
 * prefix of it; config.json then keeps the larger count (what the folder can hold).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { OutputLayout } from '../core/output.ts';
import { isPlainObject } from '../schema/validate.ts';
import { writeAtomic } from '../util/atomic.ts';
import { canonicalJson } from '../util/canonical.ts';

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

/** Everything a fresh start removes (the lock files stay: they belong to whoever holds them). */
export function freshPaths(out: OutputLayout): string[] {
  return [out.config, out.manifest, out.trials, out.rejected, out.summary, out.figures, ...shardOutputs(out.dir)];
}

/** Prepare `dir` for `config`: create it, or check it holds this config's results, or clear it with `fresh`. */
export function prepareOutput(out: OutputLayout, config: object, options: { fresh: boolean }): { resumed: boolean } {
  if (options.fresh) for (const path of freshPaths(out)) rmSync(path, { recursive: true, force: true });
  mkdirSync(out.dir, { recursive: true });
  const stored = storedConfig(out);
  if (stored) {
    checkSameConfig(out, stored, config, 'rerun with --fresh to replace them, or choose another folder with --out');
    writeAtomic(out.config, JSON.stringify({ ...config, trials: Math.max(trialsOf(config), trialsOf(stored)) }, null, 2) + '\n');
    return { resumed: existsSync(out.trials) };
  }
  if (existsSync(out.trials)) {
    throw new OutputConflict(`${out.dir} has a trials.jsonl but no config.json, so its results cannot be matched to a config; rerun with --fresh or choose another --out`);
  }
  writeAtomic(out.config, JSON.stringify(config, null, 2) + '\n');
  return { resumed: false };
}

/** The folder's config.json, or null when it has none; a damaged one is an OutputConflict naming it. */
export function storedConfig(out: OutputLayout): Record<string, unknown> | null {
  if (!existsSync(out.config)) return null;
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(out.config, 'utf8'));
  } catch {
    throw new OutputConflict(`${out.config} is not valid JSON, so this folder's results cannot be matched to a config; rerun with --fresh or choose another --out`);
  }
  if (!isPlainObject(value)) throw new OutputConflict(`${out.config} does not hold a config object; rerun with --fresh or choose another --out`);
  return value;
}

/** Refuse unless `config` equals the folder's config up to execution-only keys and the number of trials. */
export function checkSameConfig(out: OutputLayout, stored: Record<string, unknown>, config: object, remedy: string): void {
  const differences = diffKeys(comparable(stored), comparable(config));
  if (differences.length) {
    throw new OutputConflict(
      `${out.dir} holds results of a different config (${out.config} differs at ${differences.slice(0, 5).join(', ')}${differences.length > 5 ? ', …' : ''}); ${remedy}`,
    );
  }
}

function trialsOf(config: object): number {
  return 'trials' in config && typeof config.trials === 'number' ? config.trials : 0;
}

function comparable(config: object): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...config };
  for (const key of [...EXECUTION_ONLY, 'trials']) delete copy[key];
  return copy;
}

/** Dotted paths at which two JSON values differ. */
export function diffKeys(a: unknown, b: unknown, path = ''): string[] {
  if (canonicalJson(a) === canonicalJson(b)) return [];
  if (!isPlainObject(a) || !isPlainObject(b)) return [path || '(top level)'];
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].flatMap((k) => diffKeys(a[k], b[k], path ? `${path}.${k}` : k));
}
