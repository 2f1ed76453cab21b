/** --launcher slurm without a cluster: the scripts it writes, what it submits (sbatch recorded, not run), the CLI. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { launchSlurm, LaunchError, slurmScripts, statusLines, type Exec, type SlurmSpec } from '../src/launch/slurm.ts';
import type { ShardProgress } from '../src/runner/shard.ts';
import { ROOT, TINY, writeConfig } from './helpers/experiment.ts';

const spec = (outDir: string): SlurmSpec => ({
  name: 'tiny',
  outDir,
  root: '/opt/purify cnn',
  args: ['synthetic-sweep', '--set', 'model.width=[6, 12]'],
  workersGiven: false,
  shards: 3,
  options: { partition: 'gpu', time: '01:00:00', cpusPerTask: 4, mem: '8G', account: 'lab', qos: 'low', extra: ['--gres=gpu:1'] },
});

const progress = (done: number[]): ShardProgress[] => done.map((d, index) => ({ shard: { index, count: 3 }, planned: 4, done: d, started: d > 0 }));

/** A fake SLURM: sbatch hands out job ids, squeue and scontrol answer from `queue` and `states`. */
function fakeSlurm(queue: string[] = [], states = '') {
  const calls: string[][] = [];
  let next = 100;
  const exec: Exec = (command, args) => {
    calls.push([command, ...args]);
    if (command === 'sbatch') return { status: 0, stdout: `${next++}\n`, stderr: '' };
    if (command === 'squeue') return { status: 0, stdout: queue.join('\n'), stderr: '' };
    if (command === 'scontrol') return { status: 0, stdout: states, stderr: '' };
    return { status: 0, stdout: '', stderr: '' };
  };
  return { exec, calls };
}

describe('sbatch scripts', () => {
  it('carry every option, run one shard per task from the package root, and the merge job runs --report', () => {
    const scripts = slurmScripts(spec('/data/out'));
    for (const line of ['--partition=gpu', '--time=01:00:00', '--cpus-per-task=4', '--mem=8G', '--account=lab', '--qos=low', '--gres=gpu:1', '--output=/data/out/slurm/shard-%a.out']) {
      expect(scripts.shard).toContain(`#SBATCH ${line}`);
    }
    expect(scripts.shard).toContain("cd '/opt/purify cnn'");
    expect(scripts.shard).toContain(`exec node --import tsx src/cli/experiment.ts synthetic-sweep --set 'model.width=[6, 12]' --out /data/out --shard "\${SLURM_ARRAY_TASK_ID}/3" --workers "\${SLURM_CPUS_PER_TASK:-1}"`);
    expect(scripts.merge).toContain(`--out /data/out --report`);
    expect(scripts.merge).not.toContain('--cpus-per-task');
    expect(scripts.merge).toContain('#SBATCH --account=lab');
  });
});

describe('submitting', () => {
  it('submits the unfinished shards as an array and the merge job after it, and records the ids', () => {
    const dir = mkdtempSync(join(tmpdir(), 'purify-launch-'));
    const slurm = fakeSlurm();
    const result = launchSlurm(spec(dir), progress([4, 1, 0]), slurm.exec);
    const sbatch = slurm.calls.filter((c) => c[0] === 'sbatch');
    expect(sbatch).toEqual([
      ['sbatch', '--parsable', '--array=1-2', join(dir, 'slurm/shard.sbatch')],
      ['sbatch', '--parsable', '--dependency=afterok:100', join(dir, 'slurm/merge.sbatch')],
    ]);
    expect(result.lines).toEqual([
      'submitted array job 100: shards 1-2 of 0-2 (1 resume from their trial files)',
      '1 shard(s) already finished; their results are kept',
      'submitted merge job 101 (runs --report after every task of 100 succeeded)',
    ]);
    expect(JSON.parse(readFileSync(join(dir, 'slurm/jobs.json'), 'utf8'))).toMatchObject([{ shards: 3, indices: [1, 2], array_job: '100', merge_job: '101' }]);
  });

  it('refuses while the last submission still runs, and cancels a merge job stranded by a failed shard', () => {
    const dir = mkdtempSync(join(tmpdir(), 'purify-launch-'));
    launchSlurm(spec(dir), progress([0, 0, 0]), fakeSlurm().exec);
    expect(() => launchSlurm(spec(dir), progress([4, 2, 0]), fakeSlurm(['100_1 RUNNING None', '101 PENDING Dependency']).exec)).toThrow(LaunchError);
    const stranded = fakeSlurm(['101 PENDING DependencyNeverSatisfied']);
    const result = launchSlurm(spec(dir), progress([4, 4, 2]), stranded.exec);
    expect(stranded.calls).toContainEqual(['scancel', '101']);
    expect(result.lines[0]).toBe('cancelled merge job 101, which waited on a shard that did not succeed');
    expect(result.lines[1]).toMatch(/^submitted array job \d+: shards 2 of 0-2/);
  });

  it('--status names a cancelled shard and says how to resume it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'purify-launch-'));
    launchSlurm(spec(dir), progress([0, 0, 0]), fakeSlurm().exec);
    const states = ['JobId=100 ArrayJobId=100 ArrayTaskId=0 JobState=COMPLETED', 'JobId=102 ArrayJobId=100 ArrayTaskId=1 JobState=CANCELLED', 'JobId=103 ArrayJobId=100 ArrayTaskId=2 JobState=COMPLETED'].join('\n');
    const lines = statusLines(dir, progress([4, 1, 4]), fakeSlurm(['101 PENDING DependencyNeverSatisfied'], states).exec);
    expect(lines[0]).toBe('shard 0/3: 4 of 4 trials, done  [job 100_0: COMPLETED]');
    expect(lines[1]).toBe("shard 1/3: 1 of 4 trials, unfinished  [job 100_1: CANCELLED] — stopped before finishing; rerun the same --launcher command to resubmit it (the other shards' results are kept)");
    expect(lines[3]).toBe('merge job 101: PENDING DependencyNeverSatisfied');
    expect(lines[4]).toBe('9 of 12 trials done');
  });
});

describe('the CLI', () => {
  const cli = (args: string[]) => spawnSync(join(ROOT, 'node_modules/.bin/tsx'), [join(ROOT, 'src/cli/experiment.ts'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });

  it('--dry-run prints the scripts, with options from the launcher: block and the flags, and submits nothing', () => {
    const config = writeConfig(`${TINY}\nlauncher: { partition: short, mem: 2G, extra: ['--constraint=avx2'] }\n`);
    const out = join(mkdtempSync(join(tmpdir(), 'purify-launch-')), 'never');
    const r = cli([config, '--launcher', 'slurm', '--array', '4', '--time', '00:30:00', '--partition', 'long', '--out', out, '--dry-run']);
    expect(r.status, r.stderr).toBe(0);
    for (const line of ['#SBATCH --partition=long', '#SBATCH --mem=2G', '#SBATCH --time=00:30:00', '#SBATCH --constraint=avx2', '--shard "${SLURM_ARRAY_TASK_ID}/4"', `--out ${out} --report`]) expect(r.stdout).toContain(line);
    expect(spawnSync('test', ['-e', out]).status).not.toBe(0);
  });

  it('refuses a folder that holds another config\'s results before submitting anything', () => {
    const out = mkdtempSync(join(tmpdir(), 'purify-launch-'));
    writeFileSync(join(out, 'config.json'), JSON.stringify({ name: 'other' }));
    const r = cli([writeConfig(TINY), '--launcher', 'slurm', '--array', '2', '--out', out]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${out} holds results of a different config`);
    expect(existsSync(join(out, 'slurm'))).toBe(false);
  });

  it.each([
    [['--launcher', 'slurm'], '--launcher slurm needs the number of shards: --array N'],
    [['--shard', '3/3'], '--shard: shard index 3 is out of range 0..2'],
    [['--shard', '0/2', '--fresh'], '--fresh clears the whole folder'],
    [['--set', 'launcher.mem=lots', '--launcher', 'slurm', '--array', '2'], 'launcher.mem: expected a SLURM memory size such as 4G'],
  ])('%j is refused with exit code 2 and a clear message', (args, message) => {
    const out = join(mkdtempSync(join(tmpdir(), 'purify-launch-')), 'never');
    const r = cli([writeConfig(TINY), ...args, '--out', out]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
