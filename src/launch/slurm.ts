/**
 * --launcher slurm: a sweep submitted as a SLURM job array (one task per shard, src/runner/shard.ts) and a
 * merge job that runs `--report` once every task has succeeded (--dependency=afterok). SLURM schedules; we only
 * write the two sbatch scripts into <out>/slurm/ (each runs the CLI from the package root with node + tsx), call sbatch, and keep the job ids in <out>/slurm/jobs.json so
 * --status and a rerun know what was submitted. A rerun submits only the shards whose trials are not all on disk.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LauncherConfig } from '../core/config.ts';
import type { ShardProgress } from '../runner/shard.ts';
import { writeAtomic } from '../util/atomic.ts';

export class LaunchError extends Error {
  override name = 'LaunchError';
}

export interface SlurmSpec {
  readonly name: string;
  readonly outDir: string;
  /** Package root: the scripts `cd` there and run the CLI (`node --import tsx src/cli/experiment.ts …`, what `npm run experiment` runs). */
  readonly root: string;
  /** The experiment arguments to repeat in every job (reference, --set, --trials, --backend, --workers). */
  readonly args: readonly string[];
  /** Whether `args` fixes --workers; if not, a shard runs one worker per CPU SLURM gives it. */
  readonly workersGiven: boolean;
  readonly shards: number;
  readonly options: Omit<LauncherConfig, 'array'>;
}

export interface SlurmScripts {
  readonly shard: string;
  readonly merge: string;
  readonly shardPath: string;
  readonly mergePath: string;
}

/** What was submitted, per submission (a rerun adds one), as <out>/slurm/jobs.json keeps it. */
export interface Submission {
  readonly shards: number;
  readonly indices: readonly number[];
  readonly array_job: string | null;
  readonly merge_job: string;
  readonly submitted_at: string;
}

/** Runs a command and returns its exit status and output (sbatch, squeue, scontrol, scancel). */
export type Exec = (command: string, args: readonly string[]) => { status: number | null; stdout: string; stderr: string };

export const execCommand: Exec = (command, args) => {
  const r = spawnSync(command, args, { encoding: 'utf8' });
  if (r.error) return { status: null, stdout: '', stderr: r.error.message };
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};

export function slurmDir(outDir: string): string {
  return join(outDir, 'slurm');
}

/** The two sbatch scripts: the array task (one shard) and the merge job. */
export function slurmScripts(spec: SlurmSpec): SlurmScripts {
  const dir = slurmDir(spec.outDir);
  const job = `purify-${spec.name}`.replace(/[^A-Za-z0-9_.-]/g, '_');
  const common = [
    ...optionLines(spec.options),
    ...spec.options.extra.map((line) => `#SBATCH ${line}`),
  ];
  // node + tsx's loader in one process, as `npm run experiment` runs the CLI but without npm and tsx's wrapper
  // processes in between: scancel's SIGTERM then stops the run itself instead of orphaning it (proctrack/linuxproc
  // finds a job's processes by parent, and a wrapper that exits first leaves its child out of reach).
  const run = (extra: string[]) => ['node', '--import', 'tsx', 'src/cli/experiment.ts', ...spec.args, '--out', spec.outDir, ...extra].map(quote).join(' ');
  const header = (what: string) => [
    '#!/bin/bash',
    `# ${what} of ${spec.name}, written by --launcher slurm; it runs the experiment CLI from the package root.`,
  ];
  const workers = spec.workersGiven ? [] : ['--workers', '${SLURM_CPUS_PER_TASK:-1}'];
  const shard = [
    ...header(`One shard (array task) of ${spec.shards}`),
    `#SBATCH --job-name=${job}`,
    `#SBATCH --output=${join(dir, 'shard-%a.out')}`,
    ...common,
    'set -euo pipefail',
    `cd ${quote(spec.root)}`,
    // The shard comes from the task id, never from the array's size, so resubmitting some tasks keeps the split.
    `exec ${run([])} --shard "\${SLURM_ARRAY_TASK_ID}/${spec.shards}"${workers.length ? ` --workers "${workers[1]}"` : ''}`,
    '',
  ].join('\n');
  const merge = [
    ...header('The merge job (after every shard succeeded)'),
    `#SBATCH --job-name=${job}-merge`,
    `#SBATCH --output=${join(dir, 'merge.out')}`,
    ...common.filter((line) => !/--(cpus-per-task|mem)=/.test(line)),
    'set -euo pipefail',
    `cd ${quote(spec.root)}`,
    `exec ${run(['--report'])}`,
    '',
  ].join('\n');
  return { shard, merge, shardPath: join(dir, 'shard.sbatch'), mergePath: join(dir, 'merge.sbatch') };
}

function optionLines(o: SlurmSpec['options']): string[] {
  const pairs: [string, string | number | undefined][] = [
    ['partition', o.partition],
    ['time', o.time],
    ['cpus-per-task', o.cpusPerTask],
    ['mem', o.mem],
    ['account', o.account],
    ['qos', o.qos],
  ];
  return pairs.filter(([, v]) => v !== undefined).map(([k, v]) => `#SBATCH --${k}=${v}`);
}

/** A word for bash: bare if it is plainly safe, single-quoted otherwise. */
export function quote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** `0-2` or `1,4` as sbatch --array takes it. */
export function arraySpec(indices: readonly number[]): string {
  const sorted = [...indices].sort((a, b) => a - b);
  const contiguous = sorted.every((v, i) => i === 0 || v === sorted[i - 1] + 1);
  return contiguous && sorted.length > 1 ? `${sorted[0]}-${sorted[sorted.length - 1]}` : sorted.join(',');
}

export function readSubmissions(outDir: string): Submission[] {
  const path = join(slurmDir(outDir), 'jobs.json');
  return existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : [];
}

/** Jobs of a submission still queued or running (array tasks and the merge job), by squeue. */
export function activeJobs(exec: Exec, submission: Submission): string[] {
  const ids = [submission.array_job, submission.merge_job].filter((id): id is string => id !== null);
  const r = exec('squeue', ['-h', '-j', ids.join(','), '-o', '%i %T %r']);
  if (r.status !== 0) return []; // squeue says "Invalid job id" once every job has left the queue
  return r.stdout.split('\n').filter((line) => line.trim().length > 0);
}

/** SLURM's state of each array task of a submission (e.g. COMPLETED, CANCELLED, FAILED), while SLURM remembers it. */
export function taskStates(exec: Exec, arrayJob: string): Map<number, string> {
  const states = new Map<number, string>();
  const r = exec('scontrol', ['-o', 'show', 'job', arrayJob]);
  if (r.status !== 0) return states;
  for (const line of r.stdout.split('\n')) {
    const task = /\bArrayTaskId=(\S+)/.exec(line)?.[1];
    const state = /\bJobState=(\S+)/.exec(line)?.[1];
    if (task && state) for (const index of expandIndices(task)) states.set(index, state);
  }
  return states;
}

/** SLURM's state of one (non-array) job, while SLURM remembers it. */
function jobState(exec: Exec, job: string): string | undefined {
  const r = exec('scontrol', ['-o', 'show', 'job', job]);
  return r.status === 0 ? /\bJobState=(\S+)/.exec(r.stdout)?.[1] : undefined;
}

function expandIndices(spec: string): number[] {
  return spec
    .replace(/%\d+$/, '')
    .split(',')
    .flatMap((part) => {
      const [a, b] = part.split('-').map(Number);
      return b === undefined ? [a] : Array.from({ length: b - a + 1 }, (_, i) => a + i);
    })
    .filter((n) => Number.isInteger(n));
}

export interface LaunchResult {
  readonly submission: Submission | null;
  readonly lines: string[];
}

/**
 * Submit the unfinished shards as an array and the merge job after it. Refuses while an earlier submission still
 * has jobs queued or running; cancels an earlier merge job left waiting on a shard that failed.
 */
export function launchSlurm(spec: SlurmSpec, progress: readonly ShardProgress[], exec: Exec = execCommand): LaunchResult {
  const previous = readSubmissions(spec.outDir);
  const lines: string[] = [];
  const last = previous[previous.length - 1];
  if (last) {
    const active = activeJobs(exec, last);
    const stale = active.filter((line) => line.startsWith(`${last.merge_job} `) && /DependencyNeverSatisfied/.test(line));
    if (active.length > stale.length) {
      throw new LaunchError(`jobs of the last submission are still queued or running:\n  ${active.join('\n  ')}\nwait for them (watch with --status) or cancel them with scancel, then rerun`);
    }
    for (const _ of stale) {
      exec('scancel', [last.merge_job]);
      lines.push(`cancelled merge job ${last.merge_job}, which waited on a shard that did not succeed`);
    }
  }
  const unfinished = progress.filter((p) => p.done < p.planned).map((p) => p.shard.index);
  const scripts = slurmScripts(spec);
  mkdirSync(slurmDir(spec.outDir), { recursive: true });
  writeFileSync(scripts.shardPath, scripts.shard, { mode: 0o755 });
  writeFileSync(scripts.mergePath, scripts.merge, { mode: 0o755 });

  let arrayJob: string | null = null;
  if (unfinished.length > 0) {
    arrayJob = sbatch(exec, [`--array=${arraySpec(unfinished)}`, scripts.shardPath]);
    const resumed = progress.filter((p) => p.done > 0 && p.done < p.planned).length;
    lines.push(`submitted array job ${arrayJob}: shards ${arraySpec(unfinished)} of 0-${spec.shards - 1}${resumed ? ` (${resumed} resume from their trial files)` : ''}`);
    if (unfinished.length < spec.shards) lines.push(`${spec.shards - unfinished.length} shard(s) already finished; their results are kept`);
  } else {
    lines.push(`all ${spec.shards} shards are finished; submitting only the merge job`);
  }
  const mergeJob = sbatch(exec, [...(arrayJob ? [`--dependency=afterok:${arrayJob}`] : []), scripts.mergePath]);
  lines.push(`submitted merge job ${mergeJob}${arrayJob ? ` (runs --report after every task of ${arrayJob} succeeded)` : ''}`);
  const submission: Submission = { shards: spec.shards, indices: unfinished, array_job: arrayJob, merge_job: mergeJob, submitted_at: new Date().toISOString() };
  writeAtomic(join(slurmDir(spec.outDir), 'jobs.json'), JSON.stringify([...previous, submission], null, 2) + '\n');
  return { submission, lines };
}

function sbatch(exec: Exec, args: string[]): string {
  const r = exec('sbatch', ['--parsable', ...args]);
  if (r.status === null) throw new LaunchError(`cannot run sbatch (${r.stderr.trim()}); is this a SLURM login node? (--dry-run prints the scripts without submitting)`);
  if (r.status !== 0) throw new LaunchError(`sbatch ${args.join(' ')} failed: ${r.stderr.trim() || r.stdout.trim()}`);
  const id = r.stdout.trim().split(';')[0];
  if (!/^\d+$/.test(id)) throw new LaunchError(`sbatch printed no job id: '${r.stdout.trim()}'`);
  return id;
}

/** --status: each shard's progress from the folder, with SLURM's word on the jobs of the last submission. */
export function statusLines(outDir: string, progress: readonly ShardProgress[], exec: Exec = execCommand): string[] {
  const last = readSubmissions(outDir).at(-1);
  const states = last?.array_job ? taskStates(exec, last.array_job) : new Map<number, string>();
  const lines = progress.map((p) => {
    const state = last?.indices.includes(p.shard.index) ? states.get(p.shard.index) : undefined;
    const job = state ? `  [job ${last!.array_job}_${p.shard.index}: ${state}]` : '';
    const what = p.done === p.planned ? 'done' : p.started ? 'unfinished' : 'not started';
    const failed = state && /CANCELLED|FAILED|TIMEOUT|OUT_OF_MEMORY|NODE_FAIL|PREEMPTED|BOOT_FAIL|DEADLINE/.test(state);
    const hint = failed && p.done < p.planned ? ' — stopped before finishing; rerun the same --launcher command to resubmit it (the other shards\' results are kept)' : '';
    return `shard ${p.shard.index}/${p.shard.count}: ${p.done} of ${p.planned} trials, ${what}${job}${hint}`;
  });
  if (last) {
    const merge = activeJobs(exec, { ...last, array_job: null });
    const ended = jobState(exec, last.merge_job);
    lines.push(`merge job ${last.merge_job}: ${merge.length ? merge[0].split(' ').slice(1).join(' ') : (ended ?? 'no longer known to SLURM (see slurm/merge.out)')}`);
  }
  const done = progress.reduce((sum, p) => sum + p.done, 0);
  const planned = progress.reduce((sum, p) => sum + p.planned, 0);
  lines.push(`${done} of ${planned} trials done`);
  return lines;
}
