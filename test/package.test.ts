/**
 * The package as a user gets it: `npm pack`, then a fresh project outside the repository installs the tarball
 * (dependencies from the npm registry, none from the repository's node_modules) and uses the CLI and the library.
 * Slow (one install of the dependencies, about a minute with a warm npm cache), so everything shares one install.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const VERSION: string = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
const TSC = join(ROOT, 'node_modules', '.bin', 'tsc');

/** The child sees no npm-run variables from this test run, so npm and the CLI behave as in a user's shell. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k) && k !== 'INIT_CWD' && k !== 'NODE_PATH' && k !== 'NODE_OPTIONS') env[k] = v;
  return env;
}

function run(command: string, args: string[], cwd: string, timeout = 300_000) {
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', env: cleanEnv(), timeout });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, all: `${r.stdout}\n${r.stderr}` };
}

let dir: string;
let project: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'purify-pack-'));
  const pack = run('npm', ['pack', '--json', '--pack-destination', dir], ROOT);
  expect(pack.code, pack.all).toBe(0);
  const tarball = join(dir, JSON.parse(pack.stdout.slice(pack.stdout.indexOf('[')))[0].filename);
  project = join(dir, 'project');
  mkdirSync(join(project, 'configs', 'model'), { recursive: true });
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  const install = run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], project, 540_000);
  expect(install.code, install.all).toBe(0);
  // A user's own experiment file, naming a preset of their own (./configs/model/) beside shipped ones.
  writeFileSync(join(project, 'configs', 'model', 'tiny-cnn.yaml'), 'width: 5\npatches: 2\n');
  writeFileSync(
    join(project, 'tiny.yaml'),
    [
      'defaults: { model: tiny-cnn, data: gaussian-teacher, training: linearized, contamination: sparse-gaussian, recovery: hidden, solver: admm }',
      'seed: 7',
      'trials: 2',
      'workers: 2',
      'sweeps:',
      '  tiny:',
      '    grid:',
      '      data: { samples: 8 }',
      '      contamination: { fraction: [0, 0.1] }',
      '',
    ].join('\n'),
  );
}, 600_000);

// The installed project holds about 600 MB of dependencies.
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the packed package, installed in a fresh project', () => {
  it('installs the bin and nothing of the repository: the CLI is the built JavaScript', () => {
    const installed = join(project, 'node_modules', 'purify-cnn');
    expect(existsSync(join(installed, 'dist', 'cli', 'purify-cnn.js'))).toBe(true);
    expect(existsSync(join(installed, 'src'))).toBe(false);
    expect(existsSync(join(installed, 'experiments', 'synthetic-sweep.yaml'))).toBe(true);
  });

  it('npx purify-cnn --help lists the commands; an unknown command exits 2', () => {
    const help = run('npx', ['purify-cnn', '--help'], project);
    expect(help.code, help.all).toBe(0);
    expect(help.stdout).toMatch(/^\s+experiment\s/m);
    expect(help.stdout).toMatch(/^\s+bench\s/m);
    const bad = run('npx', ['purify-cnn', 'experimnet'], project);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("unknown command 'experimnet'");
    const sub = run('npx', ['purify-cnn', 'experiment', '--help'], project);
    expect(sub.code, sub.all).toBe(0);
    expect(sub.stdout).toContain('purify-cnn experiment');
    expect(sub.stdout).toContain('./results/<experiment>/');
  });

  it('finds the shipped experiments in the package and puts default output under ./results, not node_modules', () => {
    const list = run('npx', ['purify-cnn', 'experiment', '--list'], project);
    expect(list.code, list.all).toBe(0);
    expect(list.stdout).toMatch(/^synthetic-sweep\s+Hidden layer/m);
    const dry = run('npx', ['purify-cnn', 'experiment', 'synthetic-sweep', '--trials', '1', '--dry-run'], project);
    expect(dry.code, dry.all).toBe(0);
    expect(dry.stdout).toContain(`→ ${join(project, 'results', 'synthetic-sweep')}`);
  });

  it('runs a config file of the project (with its own preset) on two worker threads into --out', () => {
    const r = run('npx', ['purify-cnn', 'experiment', 'tiny.yaml', '--out', 'out'], project);
    expect(r.code, r.all).toBe(0);
    const out = join(project, 'out');
    const trials = readFileSync(join(out, 'trials.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(trials).toHaveLength(4);
    expect(new Set(trials.map((t) => t.grid['contamination.fraction']))).toEqual(new Set([0, 0.1]));
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.version).toBe(VERSION);
    expect(manifest.command).toBe('purify-cnn experiment tiny.yaml --out out');
    expect(manifest.workers).toBe(2);
    expect(manifest.git.commit).toBeNull(); // the installed package is not the repository's clone
    expect(manifest.packages['@tensorflow/tfjs']).toMatch(/^\d+\.\d+\.\d+$/);
    expect(existsSync(join(out, 'summary.csv'))).toBe(true);
  });

  it('imports the library from an ESM TypeScript file: ε*(0.2) ≈ 0.459, with declarations a type checker resolves', () => {
    writeFileSync(join(project, 'eps.ts'), "import { criticalCorruption } from 'purify-cnn';\nconsole.log(criticalCorruption(0.2).toFixed(3));\n");
    const r = run('npx', ['tsx', 'eps.ts'], project);
    expect(r.code, r.all).toBe(0);
    expect(r.stdout.trim()).toBe('0.459');
    writeFileSync(
      join(project, 'typed.ts'),
      [
        "import { criticalCorruption, createSolver, type SolveResult } from 'purify-cnn';",
        '// @ts-expect-error ε* is a number; this line compiles (the directive unused) only if the types were lost',
        'export const wrong: string = criticalCorruption(0.2);',
        "export const solve = async (): Promise<SolveResult[]> => (await createSolver({ name: 'admm', maxIterations: 100 })).solve([]);",
        '// @ts-expect-error a misspelt solver option is a type error',
        "export const misspelt = () => createSolver({ name: 'admm', maxIteration: 100 });",
        '',
      ].join('\n'),
    );
    const config = { compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, skipLibCheck: true, types: [] }, files: ['typed.ts', 'library.ts'] };
    copyFileSync(join(ROOT, 'examples', 'library.ts'), join(project, 'library.ts'));
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify(config));
    const tsc = run(TSC, ['-p', '.'], project);
    expect(tsc.code, tsc.all).toBe(0);
  });

  it('runs examples/library.ts (docs/api.md) as written: theory, one batched l1 recovery, runExperiment on a config object', () => {
    copyFileSync(join(ROOT, 'examples', 'library.ts'), join(project, 'library.ts'));
    const r = run('npx', ['tsx', 'library.ts'], project);
    expect(r.code, r.all).toBe(0);
    expect(r.stdout).toContain('eps*(0.2) = 0.459; psi(eps*) = 0.800');
    const recovery = r.stdout.match(/20 of 200 coordinates corrupted; admm (\w+); relative error (\S+)/);
    expect(recovery, r.stdout).not.toBeNull();
    expect(Number(recovery![2])).toBeLessThan(1e-4);
    expect(r.stdout).toContain('runExperiment: 4 trials -> results/api-example');
    expect(readFileSync(join(project, 'results', 'api-example', 'trials.jsonl'), 'utf8').trim().split('\n')).toHaveLength(4);
  });
});
