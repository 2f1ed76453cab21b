import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { KINDS } from '../src/kinds/index.ts';
import { resolveExperiment } from '../src/plan/resolve.ts';
import { ROOT, TINY, resultsWithoutTiming, runConfig, writeConfig, tinyReference } from './helpers/experiment.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'purify-run-'));
let config: string;
let reference: string;
let referenceDir: string;

beforeAll(async () => {
  ({ config, dir: referenceDir, results: reference } = await tinyReference());
});

describe('a run and its output folder', () => {
  it('writes config.json, manifest.json, trials.jsonl, summary.csv and the figures', () => {
    const manifest = JSON.parse(readFileSync(join(referenceDir, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ backend: { requested: 'wasm', tfjs: 'wasm' }, trials_planned: 12, trials_done: 12 });
    expect(manifest.git.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(manifest.packages['highs']).toBeDefined();
    expect(manifest.ended_at).not.toBeNull();
    expect(JSON.parse(readFileSync(join(referenceDir, 'config.json'), 'utf8')).name).toBe('tiny');
    expect(reference.split('\n')).toHaveLength(12);
    const summary = readFileSync(join(referenceDir, 'summary.csv'), 'utf8').trim().split('\n');
    expect(summary).toHaveLength(1 + 6);
    for (const column of ['layer', 'width', 'samples', 'params', 'corruption', 'trials', 'successes', 'success_rate', 'theory_corruption', 'median_rel_error', 'median_solve_ms']) {
      expect(summary[0].split(',')).toContain(column);
    }
    for (const name of ['tiny-phase-width', 'tiny-errors']) {
      for (const ext of ['.svg', '.png', '.vl.json']) expect(statSync(join(referenceDir, 'figures', name + ext)).size).toBeGreaterThan(500);
    }
    expect(readFileSync(join(referenceDir, 'figures', 'tiny-phase-width.svg'), 'utf8')).toContain('theory');
  });

  it('a rerun of the same config gives byte-identical results apart from timing fields', async () => {
    const dir = join(tmp(), 'again');
    await runConfig(config, dir);
    expect(resultsWithoutTiming(join(dir, 'trials.jsonl'))).toBe(reference);
    const withoutTiming = (file: string) => {
      const rows = readFileSync(file, 'utf8').trim().split('\n').map((l) => l.split(','));
      const timing = rows[0].indexOf('median_solve_ms');
      return rows.map((r) => r.filter((_, i) => i !== timing).join(',')).join('\n');
    };
    expect(withoutTiming(join(dir, 'summary.csv'))).toBe(withoutTiming(join(referenceDir, 'summary.csv')));
  });

  it('two workers give the same results as one', async () => {
    const dir = join(tmp(), 'two');
    await runConfig(config, dir, ['workers=2']);
    expect(resultsWithoutTiming(join(dir, 'trials.jsonl'))).toBe(reference);
  });

  it('resumes after a truncated trials file without losing or repeating trials', async () => {
    const dir = join(tmp(), 'resume');
    await runConfig(config, dir);
    const path = join(dir, 'trials.jsonl');
    const text = readFileSync(path, 'utf8');
    const cut = text.split('\n').slice(0, 5).join('\n').length + 20; // five whole lines and part of the sixth
    truncateSync(path, cut);
    const outcome = await runConfig(config, dir);
    expect(outcome.resumedFrom).toBe(5);
    expect(outcome.ran).toBe(7);
    expect(resultsWithoutTiming(path)).toBe(reference);
  });

  it('refuses to mix another config into the folder, and --fresh starts over', async () => {
    const dir = join(tmp(), 'mixed');
    await runConfig(config, dir);
    await expect(runConfig(config, dir, ['seed=7'])).rejects.toThrow(/holds results of a different config \(.*config.json differs at seed\)/);
    const outcome = await runConfig(config, dir, ['seed=7', 'trials=3'], true);
    expect(outcome.ran).toBe(18);
  });

  it('a sweep killed with kill -9 and rerun equals an uninterrupted run', async () => {
    const dir = join(tmp(), 'killed');
    const trials = join(dir, 'trials.jsonl');
    const bigger = writeConfig(TINY.replace('trials: 2', 'trials: 6'), 'tiny.yaml');
    const args = [join(ROOT, 'src/cli/experiment.ts'), bigger, '--out', dir, '--workers', '1'];
    const child = spawn(join(ROOT, 'node_modules/.bin/tsx'), args, { cwd: ROOT, stdio: 'ignore', detached: true });
    // Kill once some, but not all, trials are on disk.
    await new Promise<void>((resolve, reject) => {
      const started = Date.now();
      const poll = setInterval(() => {
        const lines = existsSync(trials) ? readFileSync(trials, 'utf8').split('\n').length - 1 : 0;
        if (lines >= 6) {
          clearInterval(poll);
          process.kill(-child.pid!, 'SIGKILL');
          resolve();
        } else if (Date.now() - started > 60_000) {
          clearInterval(poll);
          reject(new Error('the run wrote no trials within 60 s'));
        }
      }, 5);
    });
    await new Promise((resolve) => child.on('exit', resolve));
    const before = readFileSync(trials, 'utf8').split('\n').length - 1;
    expect(before).toBeLessThan(36);
    const outcome = await runConfig(bigger, dir);
    expect(outcome.resumedFrom).toBeGreaterThanOrEqual(before - 1);
    const uninterrupted = join(tmp(), 'whole');
    await runConfig(bigger, uninterrupted);
    expect(resultsWithoutTiming(trials)).toBe(resultsWithoutTiming(join(uninterrupted, 'trials.jsonl')));
  });

  it('an invalid config is rejected before the output folder is created', () => {
    const dir = join(tmp(), 'never');
    expect(() => resolveExperiment(config, { root: ROOT, sets: ['model.width=-3'] }, KINDS)).toThrow(/model.width/);
    expect(existsSync(dir)).toBe(false);
  });
});
