/**
 * An exclusive lock on a file (trials.jsonl, or one shard's trial file): `<path>.lock` holds the holder's pid,
 * host and command. A second process finds it and is refused with the holder named; a lock whose process is
 * dead (same host) is stale and taken over. Created with O_EXCL (`wx`), so two processes never both hold it.
 */
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmdirSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  readonly command: string;
  readonly started_at: string;
  /** The holder's start time in clock ticks since boot (Linux /proc), so a reused pid is not taken for the holder. */
  readonly proc_start?: string;
}

export interface Lock {
  /** The lock file (`<path>.lock`). */
  readonly file: string;
  /** Remove the lock file if it is still ours (idempotent; also done at process exit). */
  release(): void;
}

export class LockHeld extends Error {
  override name = 'LockHeld';
  constructor(
    readonly file: string,
    readonly holder: LockHolder | null,
  ) {
    super(
      holder
        ? `${file} is held by pid ${holder.pid} on ${holder.host} (since ${holder.started_at}: ${holder.command}); ` +
            `wait for it to finish, or use another --out${holder.host === hostname() ? '' : `; if that process is gone, delete ${file}`}`
        : `${file} exists but names no holder; if no run is using this folder, delete ${file}`,
    );
  }
}

export const LOCK_SUFFIX = '.lock';

/** Take the lock on `path` (the file the holder will write), or throw LockHeld naming the live holder. */
export function acquireLock(path: string, command = process.argv.slice(1).join(' ')): Lock {
  const file = path + LOCK_SUFFIX;
  const me: LockHolder = { pid: process.pid, host: hostname(), command, started_at: new Date().toISOString(), proc_start: procStat(process.pid)?.start };
  const text = JSON.stringify(me) + '\n';
  for (let attempt = 0; attempt < 3; attempt++) {
    if (tryCreate(file, text)) return held(file, text);
    const holder = readHolder(file);
    if (holder === undefined) continue; // released between our attempt and the read: try again
    if (holder === null || (isAlive(holder) && !diesSoon(holder))) throw new LockHeld(file, holder);
    breakStale(file, holder);
  }
  throw new LockHeld(file, readHolder(file) ?? null);
}

/** Who holds the lock on `path`: the live holder, or null when nobody (or only a dead process) does. */
export function lockHolder(path: string): LockHolder | null {
  const holder = readHolder(path + LOCK_SUFFIX);
  return holder && isAlive(holder) ? holder : null;
}

/** The live locks in a folder (a run, or shards), as LockHeld errors ready to throw. */
export function liveLocks(dir: string): LockHeld[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith(LOCK_SUFFIX))
    .map((name) => join(dir, name))
    .flatMap((file) => {
      const holder = readHolder(file);
      return holder === undefined || (holder !== null && !isAlive(holder)) ? [] : [new LockHeld(file, holder)];
    });
}

function tryCreate(file: string, text: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  return true;
}

function held(file: string, text: string): Lock {
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.off('exit', release);
    try {
      if (readFileSync(file, 'utf8') === text) unlinkSync(file);
    } catch {
      // already gone
    }
  };
  process.on('exit', release);
  return { file, release };
}

/** undefined: no lock file; null: a lock file that names no holder (being written, or damaged). */
function readHolder(file: string): LockHolder | null | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const value = JSON.parse(text);
    return typeof value?.pid === 'number' && typeof value?.host === 'string' ? value : null;
  } catch {
    return null;
  }
}

/** A process killed with kill -9 runs on for a moment while the kernel tears it down: give it that moment. */
const GRACE_MS = 2000;

function diesSoon(holder: LockHolder): boolean {
  if (holder.host !== hostname() || holder.pid === process.pid) return false;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (const end = Date.now() + GRACE_MS; Date.now() < end; ) {
    Atomics.wait(pause, 0, 0, 50); // a synchronous sleep: the lock is taken before anything else runs
    if (!isAlive(holder)) return true;
  }
  return false;
}

/** A process on another host cannot be checked, so it counts as alive. */
function isAlive(holder: LockHolder): boolean {
  if (holder.host !== hostname()) return true;
  if (holder.pid === process.pid) return true;
  try {
    process.kill(holder.pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
  const stat = procStat(holder.pid);
  if (!stat) return true; // no /proc: trust the signal check
  if (stat.state === 'Z' || stat.state === 'X') return false; // killed, not yet reaped
  return holder.proc_start === undefined || holder.proc_start === stat.start; // else the pid was reused
}

/** State and start time of a process from /proc/<pid>/stat (Linux), or undefined where there is none. */
function procStat(pid: number): { state: string; start: string } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' '); // the command name may hold spaces and parentheses
    return { state: fields[0], start: fields[19] };
  } catch {
    return undefined;
  }
}

/**
 * Remove a dead holder's lock. Two processes may find the same stale lock; a short-lived mkdir mutex makes the
 * check-and-remove one step, so the second cannot remove the lock the first has just taken.
 */
function breakStale(file: string, stale: LockHolder): void {
  const mutex = file + '.break';
  try {
    mkdirSync(mutex);
  } catch {
    const left = statSync(mutex, { throwIfNoEntry: false });
    if (left && Date.now() - left.mtimeMs > 10_000) rmdirSync(mutex); // left by a breaker that was killed
    return;
  }
  try {
    const now = readHolder(file);
    if (now && now.pid === stale.pid && now.host === stale.host && now.started_at === stale.started_at) unlinkSync(file);
  } finally {
    rmdirSync(mutex);
  }
}
