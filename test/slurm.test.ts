/**
 * On a real one-node SLURM (scripts/slurm-local.sh installs and starts it: Debian slurm-wlm + munge, as root):
 * a sweep submitted with --launcher slurm as an array of 3 shards and a merge job equals a local run; a shard
 * cancelled mid-run with scancel is resubmitted alone by rerunning the command, and no trial is lost or repeated.
 * Skips, saying why, only where SLURM cannot be installed or started.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KINDS } from '../src/kinds/index.ts';
import { buildPlan } from '../src/plan/plan.ts';
import { resolveExperiment } from '../src/plan/resolve.ts';
import { splitShards } from '../src/runner/shard.ts';
import { ROOT, TINY, resultsWithoutTiming, runConfig, writeConfig } from './helpers/experiment.ts';

const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

/** Start the cluster (installing it where we may); the reason it is unavailable otherwise. */
function startSlurm(): { ok: true } | { ok: false; reason: string } {
  const script = join(ROOT, 'scripts/slurm-local.sh');
  if (spawnSync(script, ['--check']).status === 0) return { ok: true };
  if (process.getuid?.() !== 0) return { ok: false, reason: 'no SLURM answers sinfo, and installing one (scripts/slurm-local.sh) needs root' };
  if (spawnSync('sh', ['-c', 'command -v apt-get || command -v slurmctld']).status !== 0) return { ok: false, reason: 'no SLURM answers sinfo, and neither apt-get nor slurmctld is on this machine' };
  const r = spawnSync(script, [], { encoding: 'utf8', timeout: 300_000 });
  if (r.status === 0) return { ok: true };
  return { ok: false, reason: `scripts/slurm-local.sh could not start SLURM: ${(r.stderr || r.stdout || String(r.error)).trim().split('\n').slice(-3).join(' / ')}` };
}

const slurm = startSlurm();
if (!slurm.ok) console.warn(`SLURM tests skipped: ${slurm.reason}`);

function cli(args: string[]) {
  const r = spawnSync(TSX, [join(ROOT, 'src/cli/experiment.ts'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function queued(jobs: readonly string[]): string[] {
  const r = spawnSync('squeue', ['-h', '-j', jobs.join(','), '-o', '%i %T %r'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split('\n').filter((l) => l.trim()) : [];
}

async function until(condition: () => boolean, what: string, seconds = 180): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > seconds * 1000) throw new Error(`timed out after ${seconds} s waiting for ${what}; squeue:\n${spawnSync('squeue', { encoding: 'utf8' }).stdout}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The job ids a --launcher run printed: the array job (if any) and the merge job. */
function jobIds(stdout: string): { array?: string; merge: string } {
  const array = /submitted array job (\d+)/.exec(stdout)?.[1];
  const merge = /submitted merge job (\d+)/.exec(stdout)?.[1];
  expect(merge, stdout).toBeDefined();
  return { array, merge: merge! };
}

const lines = (path: string) => readFileSync(path, 'utf8').split('\n').filter((l) => l.length > 0);

describe.skipIf(!slurm.ok)(`on a real one-node SLURM${slurm.ok ? '' : ` (skipped: ${slurm.reason})`}`, () => {
  it('an array of 3 shards and the merge job give the results of a local run', async () => {
    const config = writeConfig(TINY);
    const dir = join(mkdtempSync(join(tmpdir(), 'purify-slurm-')), 'out');
    const launched = cli([config, '--launcher', 'slurm', '--array', '3', '--cpus-per-task', '1', '--out', dir]);
    expect(launched.code, launched.stderr).toBe(0);
    expect(launched.stdout).toMatch(/submitted array job \d+: shards 0-2 of 0-2/);
    const jobs = jobIds(launched.stdout);
    expect(readFileSync(join(dir, 'slurm/shard.sbatch'), 'utf8')).toContain('--shard "${SLURM_ARRAY_TASK_ID}/3"');
    await until(() => queued([jobs.array!, jobs.merge]).length === 0, 'the array and the merge job');

    expect(readFileSync(join(dir, 'slurm/merge.out'), 'utf8')).toContain('merged 12 of 12 trials from 3 shard file(s)');
    const local = join(mkdtempSync(join(tmpdir(), 'purify-local-')), 'out');
    await runConfig(config, local);
    expect(resultsWithoutTiming(join(dir, 'trials.jsonl'))).toBe(resultsWithoutTiming(join(local, 'trials.jsonl')));
    expect(existsSync(join(dir, 'figures', 'tiny-phase-width.svg'))).toBe(true);
    const status = cli([config, '--out', dir, '--status']);
    expect(status.stdout).toMatch(/shard 0\/3: \d+ of \d+ trials, done {2}\[job \d+_0: COMPLETED\]/);
    expect(status.stdout).toContain('12 of 12 trials done');
  }, 300_000);

  it('a shard cancelled mid-run is resubmitted alone by rerunning the command; no trial is lost or repeated', async () => {
    // Slow enough that shard 0 is still running when it is cancelled: the exact LP, 100 trials per cell (with the
    // default solver a shard of this size finishes in about a second, before scancel lands).
    const config = writeConfig(TINY.replace('trials: 2', 'trials: 100\nsolver: highs'));
    const dir = join(mkdtempSync(join(tmpdir(), 'purify-slurm-')), 'out');
    const command = [config, '--launcher', 'slurm', '--array', '3', '--cpus-per-task', '1', '--out', dir];
    const first = cli(command);
    expect(first.code, first.stderr).toBe(0);
    const jobs = jobIds(first.stdout);
    const resolved = resolveExperiment(config, { root: ROOT, sets: [] }, KINDS);
    const plan = buildPlan(resolved.cells).trials;
    const planned = splitShards(plan, 3, resolved.kind).map((s) => s.length);

    // Cancel shard 0 once it has written some, not all, of its trials.
    const shard0 = join(dir, 'trials.shard-0-of-3.jsonl');
    await until(() => existsSync(shard0) && lines(shard0).length >= 2, 'shard 0 to write its first trials', 120);
    expect(spawnSync('scancel', [`${jobs.array}_0`]).status).toBe(0);
    await until(() => queued([jobs.array!]).length === 0, 'the array tasks to end');
    const cut = lines(shard0).length;
    expect(cut).toBeLessThan(planned[0]);
    // SLURM gives the merge job its reason on the scheduler's next pass, not at the moment the dependency fails.
    await until(() => queued([jobs.merge]).some((l) => l.includes('DependencyNeverSatisfied')), 'SLURM to mark the merge job DependencyNeverSatisfied', 60);

    const status = cli([config, '--out', dir, '--status']);
    expect(status.stdout).toMatch(new RegExp(`shard 0/3: ${cut} of ${planned[0]} trials, unfinished {2}\\[job ${jobs.array}_0: CANCELLED[^\\]]*\\] — stopped before finishing; rerun the same --launcher command`));
    expect(status.stdout).toContain(`shard 1/3: ${planned[1]} of ${planned[1]} trials, done`);
    expect(status.stdout).toMatch(new RegExp(`merge job ${jobs.merge}: PENDING DependencyNeverSatisfied`));

    const again = cli(command);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(`cancelled merge job ${jobs.merge}`);
    expect(again.stdout).toMatch(/submitted array job \d+: shards 0 of 0-2 \(1 resume from their trial files\)/);
    expect(again.stdout).toContain('2 shard(s) already finished; their results are kept');
    const rerun = jobIds(again.stdout);
    await until(() => queued([rerun.array!, rerun.merge]).length === 0, 'the resubmitted shard and the merge job');

    const merged = lines(join(dir, 'trials.jsonl')).map((l) => JSON.parse(l).key);
    expect(merged).toHaveLength(plan.length);
    expect(new Set(merged).size).toBe(plan.length);
    const resumed = lines(shard0).map((l) => JSON.parse(l).key);
    expect(resumed).toHaveLength(planned[0]);
    expect(new Set(resumed).size).toBe(planned[0]);
    const local = join(mkdtempSync(join(tmpdir(), 'purify-local-')), 'out');
    await runConfig(config, local);
    expect(resultsWithoutTiming(join(dir, 'trials.jsonl'))).toBe(resultsWithoutTiming(join(local, 'trials.jsonl')));
  }, 400_000);
});
