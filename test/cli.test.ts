import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

function cli(args: string[]) {
  const r = spawnSync(TSX, [join(ROOT, 'src/cli/experiment.ts'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('experiment CLI', () => {
  it('--help documents the options', () => {
    const r = cli(['--help']);
    expect(r.code).toBe(0);
    for (const flag of ['--out', '--set', '--trials', '--fresh', '--list', '--backend', '--workers']) expect(r.stdout).toContain(flag);
  });

  it('--list names every shipped experiment with its description', () => {
    const r = cli(['--list']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^synthetic-sweep\s+Hidden layer/m);
  });

  it.each([
    [['synthetic-sweep', '--set', 'model.width=0'], '--set model.width=0: model.width: expected an integer ≥ 1, got 0'],
    [['synthetic-sweep', '--set', 'contamination.fraction=-0.1'], 'contamination.fraction: expected a number in [0, 1], got -0.1'],
    [['synthetic-sweep', '--set', 'model.patches=64'], 'expected at most inputDim (32) patches'],
    [['synthetic-sweep', '--set', 'solver.name=simplex9'], 'solver.name: expected one of highs'],
    [['synthetic-sweep', '--set', 'sweeps.by-width.grid.model.width=[8, -1]'], 'sweeps.by-width.grid.model.width: value -1'],
    [['synthetic-sweep', '--trials', '0'], '--trials: trials: expected an integer ≥ 1, got 0'],
    [['no-such-experiment'], "no experiment named 'no-such-experiment'"],
    [['synthetic-sweep', '--set', 'sweeps.by-width.grid.model.width=[100000]', '--max-memory', '1'], 'subspace 900000 × 40 (144 MB in float32) through admm; 2 worker(s) ≈ 4.8 GB, more than the limit of 1.0 GB'],
  ])('rejects %j with exit code 2, a located message, no stack trace and no output folder', (args, message) => {
    const out = join(mkdtempSync(join(tmpdir(), 'purify-cli-')), 'never');
    const r = cli([...args, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(existsSync(out)).toBe(false);
  });

  it('--dry-run prints the memory of the largest trial', () => {
    const r = cli(['synthetic-sweep', '--dry-run', '--workers', '1', '--set', 'sweeps.by-width.grid.model.width=[8, 100000]']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/memory: largest trial ≈ 2\.\d GB in by-width \(model\.width=100000, contamination\.fraction=0\): subspace 900000 × 40/);
  });

  it('a config file with an unknown key is rejected naming that file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'purify-cli-'));
    const file = join(dir, 'mine.yaml');
    writeFileSync(file, 'extends: synthetic-sweep\nmodel: { wdith: 3 }\n');
    const r = cli([file, '--out', join(dir, 'out')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}: model.wdith: unknown key 'wdith' (did you mean 'width'?)`);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it.each(['node', 'node-gpu'])('a requested backend that is missing (%s) is a clear error, never a silent fallback', (backend) => {
    const out = join(mkdtempSync(join(tmpdir(), 'purify-cli-')), 'never');
    const r = cli(['synthetic-sweep', '--backend', backend, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`backend '${backend}' was requested but the package @tensorflow/tfjs-${backend} could not be loaded`);
    expect(existsSync(out)).toBe(false);
  });

  it('unknown flags are usage errors', () => {
    const r = cli(['synthetic-sweep', '--trails', '3']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Unknown argument/i);
  });
});
