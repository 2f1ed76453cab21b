/** Writing a file so that readers (and a run killed mid-write) see either the old or the new content, never a mix. */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';

/** Temporary file beside `path` (same folder, so the rename is atomic), fsynced, then renamed over `path`. */
export function writeAtomic(path: string, content: string | Uint8Array): void {
  // Host and pid: shards on different nodes of a shared file system may write the same file (config.json) at once.
  const tmp = `${path}.tmp-${hostname()}-${process.pid}`;
  try {
    writeFileSync(tmp, content);
    const fd = openSync(tmp, 'r+');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true }); // ENOSPC and the like: leave neither a truncated file nor the temporary one
    throw err;
  }
}
