/** A temporary folder for the tests of one file. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';

/** Make a fresh folder before the file's tests (handing its path to `use`) and remove it after them. */
export function withTempFolder(prefix: string, use: (path: string) => void): void {
  let path = '';
  beforeAll(async () => {
    path = await mkdtemp(join(tmpdir(), prefix));
    use(path);
  });
  afterAll(async () => {
    await rm(path, { recursive: true, force: true });
  });
}
