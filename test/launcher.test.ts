/**
 * scripts/cli.mjs, behind `npm run experiment|bench|paper`: the build in dist/ when it is as new as its
 * sources, else the sources through tsx — never a stale build. Checked on a copy of the launcher in a
 * scratch project whose two entry points say which one ran.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/experiment.ts';

function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'launcher-'));
  for (const sub of ['scripts', 'dist/cli', 'src/cli']) mkdirSync(join(dir, sub), { recursive: true });
  copyFileSync(join(ROOT, 'scripts/cli.mjs'), join(dir, 'scripts/cli.mjs'));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  for (const file of ['package.json', 'tsconfig.json', 'tsconfig.build.json']) writeFileSync(join(dir, file), '{}\n');
  // Each entry prints which it is, the arguments it sees, and exits with the code given as its first argument.
  const body = (which: string) => `const args: string[] = process.argv.slice(2);\nconsole.log('${which}', JSON.stringify(args), process.argv[1].endsWith('experiment.${which === 'built' ? 'js' : 'ts'}'));\nprocess.exit(Number(args[0] ?? 0));\n`;
  writeFileSync(join(dir, 'src/cli/experiment.ts'), body('source'));
  writeFileSync(join(dir, 'dist/cli/experiment.js'), body('built').replace(': string[]', ''));
  return dir;
}

function age(dir: string, file: string, secondsAgo: number): void {
  const t = Date.now() / 1000 - secondsAgo;
  utimesSync(join(dir, file), t, t);
}

const run = (dir: string, args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [join(dir, 'scripts/cli.mjs'), ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, ...env } });

describe('the npm run launcher', () => {
  it('runs the build when it is newer than every source, with the arguments and the script path the command expects', () => {
    const dir = scratch();
    for (const f of ['src/cli/experiment.ts', 'package.json', 'tsconfig.json', 'tsconfig.build.json']) age(dir, f, 60);
    writeFileSync(join(dir, 'dist/.built'), '');
    const r = run(dir, ['experiment', '0', '--set', 'a=1']);
    expect(r.stdout.trim()).toBe('built ["0","--set","a=1"] true');
    expect(r.status).toBe(0);
  });

  it('runs the sources when one is newer than the build, when there is no build stamp, or when asked', () => {
    const dir = scratch();
    writeFileSync(join(dir, 'dist/.built'), '');
    age(dir, 'dist/.built', 60);
    expect(run(dir, ['experiment', '0']).stdout.trim()).toBe('source ["0"] true');

    const fresh = scratch();
    for (const f of ['src/cli/experiment.ts', 'package.json', 'tsconfig.json', 'tsconfig.build.json']) age(fresh, f, 60);
    expect(run(fresh, ['experiment', '0']).stdout.trim()).toMatch(/^source/); // no dist/.built
    writeFileSync(join(fresh, 'dist/.built'), '');
    expect(run(fresh, ['experiment', '0'], { PURIFY_CNN_SOURCE: '1' }).stdout.trim()).toMatch(/^source/);
  });

  it('passes on the exit code, and refuses an unknown command with exit code 2', () => {
    const dir = scratch();
    expect(run(dir, ['experiment', '3']).status).toBe(3);
    const unknown = run(dir, ['experimnt']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'experimnt'");
  });
});
