/** Writing a file so that readers (and a run killed mid-write) see either the old or the new content, never a mix. */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';

/** Temporary file beside `path` (same folder, so the rename is atomic), fsynced, then renamed over `path`. */
export function writeAtomic(path: string, content: string | Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}`;
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
