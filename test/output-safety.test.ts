/**
 * An output folder nobody can corrupt: the lock (two processes, one folder), stored records checked when read
 * (key-only, null and corrupt middle lines; --repair), --report summarising exactly the plan, extending trials,
 * the SIGINT message, atomic writes, and ordinary errors without a stack trace.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { KINDS } from '../src/kinds/index.ts';
import { resolveExperiment } from '../src/plan/resolve.ts';
import { writeReport } from '../src/report/write.ts';
import { acquireLock, LockHeld } from '../src/runner/lock.ts';
import { readResults } from '../src/runner/run.ts';
import { writeAtomic } from '../src/util/atomic.ts';
import { ROOT, TINY, resultsWithoutTiming, runConfig, writeConfig, tinyReference } from './helpers/experiment.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'purify-safe-'));
// node --import tsx rather than the tsx wrapper: the wrapper SIGKILLs a child that does not answer SIGINT within 30 ms.
const NODE = [process.execPath, '--import', 'tsx', join(ROOT, 'src/cli/experiment.ts')];

function cli(args: string[]) {
  const r = spawnSync(NODE[0], [...NODE.slice(1), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 90_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const lines = (path: string) => readFileSync(path, 'utf8').split('\n').filter((l) => l.length > 0);

/** Start the CLI in its own process group; resolves once `trials` holds at least `atLeast` lines. */
async function startRun(args: string[], trials: string, atLeast: number): Promise<{ child: ChildProcess; stderr: () => string; exit: Promise<number | null> }> {
  const child = spawn(NODE[0], [...NODE.slice(1), ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const started = Date.now();
  while (!(existsSync(trials) && lines(trials).length >= atLeast)) {
    if (Date.now() - started > 60_000) throw new Error(`no trials within 60 s: ${err}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return { child, stderr: () => err, exit };
}

let config: string;
let referenceDir: string;
let reference: string;

beforeAll(async () => {
  ({ config, dir: referenceDir, results: reference } = await tinyReference());
});

/** A copy of the finished reference folder, to damage. */
function copyOfReference(): string {
  const dir = join(tmp(), 'copy');
  cpSync(referenceDir, dir, { recursive: true });
  return dir;
}

describe('the lock on an output folder', () => {
  it('a second holder is refused with the holder named; a dead holder (stale lock) does not block', () => {
    const path = join(tmp(), 'trials.jsonl');
    const lock = acquireLock(path, 'first');
    expect(() => acquireLock(path)).toThrow(LockHeld);
    expect(() => acquireLock(path)).toThrow(new RegExp(`held by pid ${process.pid} on ${hostname()}.*first`));
    lock.release();
    acquireLock(path).release();
    // a lock left by a process that has exited (kill -9) is taken over
    const dead = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' }).stdout.trim();
    writeFileSync(path + '.lock', JSON.stringify({ pid: Number(dead), host: hostname(), command: 'killed', started_at: 'then' }));
    const taken = acquireLock(path);
    expect(JSON.parse(readFileSync(taken.file, 'utf8')).pid).toBe(process.pid);
    taken.release();
    expect(existsSync(path + '.lock')).toBe(false);
    // a live pid that started after the lock was written is not its holder (the pid was reused)
    writeFileSync(path + '.lock', JSON.stringify({ pid: process.ppid, host: hostname(), command: 'old', started_at: 'then', proc_start: '1' }));
    acquireLock(path).release();
    // another host's process cannot be checked, so its lock holds
    writeFileSync(path + '.lock', JSON.stringify({ pid: 1, host: 'elsewhere', command: 'x', started_at: 'then' }));
    expect(() => acquireLock(path)).toThrow(/held by pid 1 on elsewhere.*delete .*trials.jsonl.lock/);
  });

  it('two processes, one folder: a --fresh run of another config is refused while a run holds the folder, and nothing is lost or doubled', async () => {
    const dir = join(tmp(), 'shared');
    const trials = join(dir, 'trials.jsonl');
    const six = writeConfig(TINY.replace('trials: 2', 'trials: 6'));
    const first = await startRun([six, '--out', dir], trials, 1);
    process.kill(-first.child.pid!, 'SIGSTOP'); // hold it mid-run, alive
    try {
      const second = cli([config, '--out', dir, '--fresh', '--set', 'trials=3']);
      expect(second.code).toBe(2);
      expect(second.stderr).toMatch(new RegExp(`trials.jsonl.lock is held by pid \\d+ on ${hostname()}`));
      expect(second.stderr).not.toMatch(/\n\s+at /);
      expect(() => readResults(resolveExperiment(six, { root: ROOT }, KINDS), { outDir: dir, command: 'report' })).toThrow(/is held by pid/);
    } finally {
      process.kill(-first.child.pid!, 'SIGCONT');
    }
    expect(await first.exit).toBe(0);
    const keys = lines(trials).map((l) => JSON.parse(l).key);
    expect(keys).toHaveLength(36);
    expect(new Set(keys).size).toBe(36);
    expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).trials).toBe(6);
    expect(existsSync(trials + '.lock')).toBe(false);
  });
});

describe('stored records are checked when read', () => {
  it('a key-only line is never a finished trial: the run refuses naming the line, --repair moves it out and reruns it', async () => {
    const dir = copyOfReference();
    const path = join(dir, 'trials.jsonl');
    const stored = lines(path);
    const key = JSON.parse(stored[2]).key;
    stored[2] = JSON.stringify({ key });
    writeFileSync(path, stored.join('\n') + '\n');
    await expect(runConfig(config, dir)).rejects.toThrow(/line 3: sweep: missing.*\n.*--repair/s);
    const repaired = await runConfig(config, dir, [], false, true);
    expect(repaired.ran).toBe(1);
    expect(resultsWithoutTiming(path)).toBe(reference);
    const rejected = lines(join(dir, 'trials.rejected.jsonl'));
    expect(JSON.parse(rejected[0])).toMatchObject({ line: 3 });
    expect(rejected[1]).toBe(JSON.stringify({ key }));
  });

  it('corrupt and null middle lines: exit code 2, each line named, no stack trace, nothing changed', () => {
    const dir = copyOfReference();
    const path = join(dir, 'trials.jsonl');
    const stored = lines(path);
    stored[1] = '{"key": "tiny/0';
    stored[4] = 'null';
    const text = stored.join('\n') + '\n';
    writeFileSync(path, text);
    const r = cli([config, '--out', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('line 2: not valid JSON');
    expect(r.stderr).toContain('line 5: expected a JSON object, got null');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(readFileSync(path, 'utf8')).toBe(text);
    const report = cli([config, '--out', dir, '--report']);
    expect(report.code).toBe(2);
    expect(report.stderr).toContain('line 2: not valid JSON');
  });
});

describe('--report summarises exactly the plan', () => {
  const tiny = () => resolveExperiment(config, { root: ROOT }, KINDS);

  it('records of another cell are counted, not mixed in', async () => {
    const dir = copyOfReference();
    const path = join(dir, 'trials.jsonl');
    const first = JSON.parse(lines(path)[0]);
    const foreign = [1, 2].map((i) => JSON.stringify({ ...first, key: `ghost/abc/${i}`, sweep: 'ghost', cell: 'ghost/abc', success: false }));
    writeFileSync(path, readFileSync(path, 'utf8') + foreign.join('\n') + '\n');
    const results = readResults(tiny(), { outDir: dir, command: 'report' });
    expect([results.records.length, results.foreign, results.missing]).toEqual([12, 2, 0]);
    await writeReport(tiny().kind, tiny().config, results.records, results.out);
    expect(readFileSync(join(dir, 'summary.csv'), 'utf8')).toBe(readFileSync(join(referenceDir, 'summary.csv'), 'utf8'));
  });

  it('refuses when the folder config.json differs from the config, or the trials file holds none of the plan', () => {
    const dir = copyOfReference();
    const stored = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...stored, seed: stored.seed + 1 }));
    expect(() => readResults(tiny(), { outDir: dir, command: 'report' })).toThrow(/config.json differs at seed/);
    const empty = copyOfReference();
    writeFileSync(join(empty, 'trials.jsonl'), '');
    expect(() => readResults(tiny(), { outDir: empty, command: 'report' })).toThrow('holds none of the 12 trials of this plan');
    expect(existsSync(join(empty, 'trials.jsonl.lock'))).toBe(false);
  });
});

describe('adding trials', () => {
  it('a higher --trials extends a finished folder, a lower one reports on a prefix', async () => {
    const dir = copyOfReference();
    const more = await runConfig(config, dir, ['trials=3']);
    expect([more.resumedFrom, more.ran]).toEqual([12, 6]);
    const fewer = await runConfig(config, dir, ['trials=1']);
    expect([fewer.ran, fewer.records.length]).toEqual([0, 6]);
    expect(lines(join(dir, 'trials.jsonl'))).toHaveLength(18);
    expect(fewer.report.summary).toBe(join(dir, 'summary.csv'));
    expect(readFileSync(fewer.report.summary, 'utf8')).toMatch(/,1,/);
    expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).trials).toBe(3);
  });
});

describe('interrupts, writes and errors', () => {
  it('SIGINT says how far the run got and how to resume', async () => {
    const dir = join(tmp(), 'interrupted');
    const trials = join(dir, 'trials.jsonl');
    const six = writeConfig(TINY.replace('trials: 2', 'trials: 6'));
    const run = await startRun([six, '--out', dir], trials, 3);
    process.kill(-run.child.pid!, 'SIGINT');
    expect(await run.exit).toBe(130);
    expect(run.stderr()).toMatch(/interrupted after \d+ of 36 trials; rerun the same command to resume/);
    expect(existsSync(trials + '.lock')).toBe(false);
  });

  it('an atomic write that fails before its rename leaves the old file and no temporary file', () => {
    const dir = tmp();
    const path = join(dir, 'summary.csv');
    writeAtomic(path, 'old\n');
    mkdirSync(`${path}.tmp-${hostname()}-${process.pid}`); // the temporary file cannot be written
    expect(() => writeAtomic(path, 'new\n')).toThrow();
    expect(readFileSync(path, 'utf8')).toBe('old\n');
    const target = join(dir, 'figure.png');
    mkdirSync(join(target, 'x'), { recursive: true }); // the rename cannot replace a non-empty folder
    expect(() => writeAtomic(target, 'png')).toThrow();
    expect(readdirSync(dir).filter((n) => n.includes('.tmp-') && !n.startsWith('summary'))).toEqual([]);
  });

  it('an --out that cannot be a folder: exit code 2, the path and the cause, no stack trace', () => {
    const file = join(tmp(), 'a-file');
    writeFileSync(file, 'x');
    const r = cli([config, '--out', join(file, 'sub')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${join(file, 'sub')}: a part of this path is a file, not a folder`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
