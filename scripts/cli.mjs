#!/usr/bin/env node
// `npm run experiment|bench|paper`: the built JavaScript in dist/ when it is at least as new as every source it
// was built from (npm ci builds it through `prepare`), else the TypeScript sources through tsx, so an edit in
// src/ is never run from a stale build. The built path skips tsx's start-up (≈ 1.4 s of a 3 s start here).
// PURIFY_CNN_SOURCE=1 forces the sources.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const [command, ...args] = process.argv.slice(2);
const built = join(ROOT, 'dist', 'cli', `${command}.js`);
const source = join(ROOT, 'src', 'cli', `${command}.ts`);
if (!command || !existsSync(source)) {
  process.stderr.write(`scripts/cli.mjs: unknown command '${command ?? ''}'; expected experiment, bench or paper\n`);
  process.exit(2);
}

/** Newest modification time among the build's inputs: src/ and the config files that shape the output. */
function newestInput() {
  let newest = 0;
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  walk(join(ROOT, 'src'));
  for (const file of ['tsconfig.json', 'tsconfig.build.json', 'package.json']) newest = Math.max(newest, statSync(join(ROOT, file)).mtimeMs);
  return newest;
}

const stamp = join(ROOT, 'dist', '.built');
const fresh = process.env.PURIFY_CNN_SOURCE !== '1' && existsSync(built) && existsSync(stamp) && statSync(stamp).mtimeMs >= newestInput();
if (fresh) {
  // The command module reads process.argv itself and checks that it is the script run, as under `node file`.
  process.argv = [process.argv[0], built, ...args];
  await import(pathToFileURL(built).href);
} else {
  // The sources need tsx's loader, which must be registered before the entry module: a child node with --import.
  const child = spawn(process.execPath, ['--import', 'tsx', source, ...args], { stdio: 'inherit' });
  // Ctrl-C reaches the child from the terminal itself (same process group): wait for it to say what it saved.
  // A SIGTERM or SIGHUP sent to this process alone is passed on.
  process.on('SIGINT', () => {});
  for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    } else process.exit(code ?? 1);
  });
}
