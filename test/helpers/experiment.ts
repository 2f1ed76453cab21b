/** Small experiments for tests, written as real config files and run through the real runner. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { StoredTrial } from '../../src/core/trial.ts';
import { KINDS, KINDS_URL } from '../../src/kinds/index.ts';
import { resolveExperiment } from '../../src/plan/resolve.ts';
import { writeReport, type ReportFiles } from '../../src/report/write.ts';
import { runExperiment, type RunOutcome } from '../../src/runner/run.ts';

export const ROOT = resolve(import.meta.dirname, '../..');

/** A tiny synthetic sweep: 2 widths × 3 corruption levels × 2 trials, with synthetic-sweep's solver (ADMM). */
export const TINY = `
extends: synthetic-sweep
trials: 2
workers: 1
sweeps:
  tiny:
    grid:
      model: { width: [6, 12] }
      data: { samples: 12 }
      contamination: { fraction: [0.05, 0.3, 0.7] }
    figures:
      - { kind: phase, y: width, yScale: log }
      - { kind: error-histogram }
`;

export function writeConfig(text: string, name = 'tiny.yaml'): string {
  const dir = mkdtempSync(join(tmpdir(), 'purify-exp-'));
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** Resolve, run and report, as `npm run experiment` does (quietly). */
export async function runConfig(file: string, outDir: string, sets: string[] = [], fresh = false, repair = false): Promise<RunOutcome<StoredTrial> & { report: ReportFiles }> {
  const resolved = resolveExperiment(file, { root: ROOT, sets }, KINDS);
  const outcome = await runExperiment(resolved, { outDir, fresh, repair, kinds: KINDS_URL, root: ROOT, command: 'test', progress: { isTTY: false, write: () => true } });
  const report = await writeReport(resolved.kind, resolved.config, outcome.records, outcome.out);
  return { ...outcome, report };
}

/** trials.jsonl without the fields that legitimately change between runs (timings and clock times). */
export function resultsWithoutTiming(path: string): string {
  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.stringify(JSON.parse(line), (key, value) => (key.endsWith('_ms') || key.endsWith('_at') ? undefined : value)))
    .join('\n');
}

/** TINY run once into a fresh folder: its config file, the folder, and its trials.jsonl without timings. */
export async function tinyReference(): Promise<{ config: string; dir: string; results: string }> {
  const config = writeConfig(TINY);
  const dir = join(mkdtempSync(join(tmpdir(), 'purify-reference-')), 'reference');
  await runConfig(config, dir);
  return { config, dir, results: resultsWithoutTiming(join(dir, 'trials.jsonl')) };
}
