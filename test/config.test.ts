import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/config/errors.ts';
import { listExperiments } from '../src/config/load.ts';
import { KINDS } from '../src/kinds/index.ts';
import { synthetic } from '../src/kinds/synthetic/index.ts';
import { buildPlan } from '../src/plan/plan.ts';
import { resolveAs, resolveExperiment as resolveWith, type ResolveOptions } from '../src/plan/resolve.ts';

const ROOT = resolve(import.meta.dirname, '..');
const resolveExperiment = (ref: string, options: ResolveOptions) => resolveWith(ref, options, KINDS);

/** A throwaway project root with the real presets and one experiment file. */
function project(experiment: string, extra: Record<string, string> = {}): string {
  const root = mkdtempSync(join(tmpdir(), 'purify-config-'));
  mkdirSync(join(root, 'experiments'));
  writeFileSync(join(root, 'experiments', 'exp.yaml'), experiment);
  for (const [path, text] of Object.entries(extra)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const MINIMAL = `
description: tiny
sweeps:
  s:
    grid:
      model: { width: [4, 8] }
      contamination: { fraction: { start: 0, stop: 0.2, step: 0.1 } }
`;

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('config resolution', () => {
  it('fills defaults, names the experiment after its file, and expands the grid', () => {
    const root = project(MINIMAL);
    const r = resolveAs(synthetic, 'exp', { root });
    expect(r.config.name).toBe('exp');
    expect(r.config.model.patches).toBe(4);
    expect(r.config.solver).toMatchObject({ name: 'highs', algorithm: 'choose' });
    expect(r.cells.map((c) => [c.config.model.width, c.config.contamination.fraction])).toEqual([
      [4, 0], [4, 0.1], [4, 0.2], [8, 0], [8, 0.1], [8, 0.2],
    ]);
    const plan = buildPlan(r.cells);
    expect(plan.trials).toHaveLength(6 * 5);
    expect(new Set(plan.trials.map((t) => t.key)).size).toBe(30);
  });

  it('composes presets, then the experiment, then --set, then --trials', () => {
    const root = project(`defaults: { model: m }\nmodel: { width: 9 }\n${MINIMAL}`, {
      'configs/model/m.yaml': 'inputDim: 12\npatches: 3\nwidth: 5\n',
    });
    const r = resolveAs(synthetic, 'exp', { root, sets: ['model.inputDim=24', 'solver={name: highs, algorithm: ipm}'], trials: 3 });
    expect(r.config.model).toMatchObject({ inputDim: 24, patches: 3, width: 9 });
    expect(r.config.solver).toMatchObject({ algorithm: 'ipm' });
    expect(r.config.trials).toBe(3);
  });

  it('ranges: log-spaced integers are rounded and deduplicated, num gives a linspace', () => {
    const root = project(`sweeps:\n  s:\n    grid:\n      model: { width: { start: 2, stop: 64, num: 6, scale: log } }\n      contamination: { fraction: { start: 0, stop: 1, num: 5 } }\n`);
    const r = resolveAs(synthetic, 'exp', { root });
    const widths = [...new Set(r.cells.map((c) => c.config.model.width))];
    expect(widths).toEqual([2, 4, 8, 16, 32, 64]);
    expect([...new Set(r.cells.map((c) => c.config.contamination.fraction))]).toEqual([0, 0.25, 0.5, 0.75, 1]);
  });

  it('rejects unknown keys, wrong types and impossible values, naming file, key and expectation', () => {
    const root = project(`model: { widht: 3, patches: 0 }\ncontamination: { fraction: 1.5 }\ntrials: two\n${MINIMAL}`);
    const err = errorOf(() => resolveExperiment('exp', { root }));
    const text = err.message;
    expect(text).toContain("experiments/exp.yaml: model.widht: unknown key 'widht' (did you mean 'width'?)");
    expect(text).toContain('experiments/exp.yaml: model.patches: expected an integer ≥ 1, got 0');
    expect(text).toContain('experiments/exp.yaml: contamination.fraction: expected a number in [0, 1], got 1.5');
    expect(text).toContain('experiments/exp.yaml: trials: expected an integer ≥ 1, got "two"');
  });

  it('rejects more patches than the input has, and patches that do not divide it', () => {
    const root = project(MINIMAL);
    expect(errorOf(() => resolveExperiment('exp', { root, sets: ['model.patches=64'] })).message).toContain(
      '--set model.patches=64: model.patches: expected at most inputDim (32) patches, got 64',
    );
    expect(errorOf(() => resolveExperiment('exp', { root, sets: ['model.patches=5'] })).message).toContain('expected a divisor of inputDim (32)');
  });

  it('reports an invalid grid value at its place in the grid', () => {
    const root = project(MINIMAL.replace('[4, 8]', '[4, 0, 2.5]'));
    const text = errorOf(() => resolveExperiment('exp', { root })).message;
    expect(text).toContain('experiments/exp.yaml: sweeps.s.grid.model.width: value 0: expected an integer ≥ 1, got 0');
    expect(text).toContain('sweeps.s.grid.model.width: value 2.5: expected an integer ≥ 1, got 2.5');
  });

  it('rejects grids over keys the config does not have, and malformed ranges', () => {
    const root = project(MINIMAL.replace('model: { width: [4, 8] }', 'model: { depth: [1, 2] }'));
    expect(errorOf(() => resolveExperiment('exp', { root })).message).toContain("sweeps.s.grid.model.depth: unknown key 'depth'");
    const root2 = project(MINIMAL.replace('step: 0.1', 'step: -0.1'));
    expect(errorOf(() => resolveExperiment('exp', { root: root2 })).message).toContain('sweeps.s.grid.contamination.fraction: expected step > 0');
  });

  it('a synthetic experiment that asks for a figure kind of another kind is an error at its key', () => {
    const root = project(MINIMAL.replace('contamination: { fraction: { start: 0, stop: 0.2, step: 0.1 } }', 'contamination: { fraction: { start: 0, stop: 0.2, step: 0.1 } }\n    figures: [{ kind: accuracy-curves }]'));
    const text = errorOf(() => resolveExperiment('exp', { root })).message;
    expect(text).toContain("experiments/exp.yaml: sweeps.s.figures[0].kind: expected one of");
    expect(text).toContain("for kind 'synthetic', got \"accuracy-curves\"");
  });

  it('checks rules between sections (corruption target inside the recovered layer)', () => {
    const root = project(MINIMAL);
    const text = errorOf(() => resolveExperiment('exp', { root, sets: ['recovery.layer=output', 'training.layers=output', 'contamination.target=w'] })).message;
    expect(text).toContain("contamination.target: expected one of all for recovery.layer 'output', got \"w\"");
    const text2 = errorOf(() => resolveExperiment('exp', { root, sets: ['recovery.layer=output'] })).message;
    expect(text2).toContain("training.layers: expected 'output' or 'both'");
  });

  it('errors for missing experiments, presets, bad YAML and bad --set syntax are clear', () => {
    const root = project(MINIMAL, { 'experiments/broken.yaml': 'model: [1, 2\n' });
    expect(errorOf(() => resolveExperiment('nope', { root })).message).toContain("no experiment named 'nope'; expected one of: broken, exp");
    expect(errorOf(() => resolveExperiment('broken', { root })).message).toMatch(/experiments\/broken\.yaml: \(top level\): cannot parse \(line \d+, column \d+\)/);
    const root2 = project(`defaults: { model: missing }\n${MINIMAL}`);
    expect(errorOf(() => resolveExperiment('exp', { root: root2 })).message).toContain("defaults.model: no preset 'missing' in configs/model/");
    expect(errorOf(() => resolveExperiment('exp', { root, sets: ['novalue'] })).message).toContain('--set novalue: (top level): expected key.path=value');
    expect(errorOf(() => resolveExperiment('exp', { root, sets: ['backend=gpu'] })).message).toContain('--set backend=gpu: backend: expected one of wasm, cpu, node, node-gpu');
  });

  it('an experiment can extend another and replace its sweeps', () => {
    const root = project(MINIMAL, {
      'experiments/child.yaml': 'extends: exp\ntrials: 2\nsweeps:\n  only:\n    grid:\n      data: { samples: [3] }\n',
    });
    const r = resolveExperiment('child', { root });
    expect(r.config.name).toBe('child');
    expect(r.config.trials).toBe(2);
    expect(Object.keys(r.config.sweeps)).toEqual(['only']);
    expect(r.cells).toHaveLength(1);
  });

  it('every shipped experiment resolves and lists with a description', () => {
    const shipped = listExperiments(ROOT);
    expect(shipped.length).toBeGreaterThanOrEqual(4);
    for (const e of shipped) {
      expect(e.description.length).toBeGreaterThan(10);
      const r = resolveExperiment(e.name, { root: ROOT });
      expect(r.cells.length).toBeGreaterThan(0);
    }
  });
});

describe('hostile and careless inputs', () => {
  it('a preset name is a name: no path traversal; a path is written as a path and resolves against the file naming it', () => {
    const root = project(`defaults: { model: ../../../../tmp/evil/ok }\n${MINIMAL}`);
    expect(errorOf(() => resolveExperiment('exp', { root })).message).toContain("defaults.model: '../../../../tmp/evil/ok' is not a preset name");
    const root2 = project(`defaults: { model: ../../package }\n${MINIMAL}`);
    expect(errorOf(() => resolveExperiment('exp', { root: root2 })).message).not.toContain('version');
    const root3 = project(`defaults: { model: ./mine/model.yaml }\n${MINIMAL}`, { 'experiments/mine/model.yaml': 'width: 5\n' });
    expect(resolveExperiment('exp', { root: root3 }).config).toMatchObject({ model: { width: 5 } });
  });

  it('a relative extends resolves against the file, a command-line path against the given directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'purify-rel-'));
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'base.yaml'), `extends: synthetic-sweep\nseed: 42\n`);
    writeFileSync(join(dir, 'sub', 'child.yaml'), `extends: ./base.yaml\ntrials: 1\n`);
    const resolved = resolveExperiment('sub/child.yaml', { root: ROOT, cwd: dir });
    expect(resolved.config).toMatchObject({ seed: 42, trials: 1, name: 'child' });
    writeFileSync(join(dir, 'sub', 'orphan.yaml'), `extends: ./missing.yaml\n`);
    expect(errorOf(() => resolveExperiment('sub/orphan.yaml', { root: ROOT, cwd: dir })).message).toContain('sub/orphan.yaml: extends: no such config file');
  });

  it('an empty --set value is refused, not read as "use the default"', () => {
    const root = project(MINIMAL);
    expect(errorOf(() => resolveExperiment('exp', { root, sets: ['trials='] })).message).toContain("--set trials=: trials: expected a value after '='");
  });

  it('a --set that replaces a preset value with a mapping is blamed on the flag', () => {
    const root = project(`defaults: { model: small }\n${MINIMAL}`, { 'configs/model/small.yaml': 'width: 4\n' });
    expect(errorOf(() => resolveExperiment('exp', { root, sets: ['model.width.foo=3'] })).message).toContain('--set model.width.foo=3: model.width: expected an integer');
  });

  it.each(['[0.1, 0.1]', '[-0, 0]'])('duplicate grid values %s are refused (they would make two cells with one key)', (values) => {
    const root = project(MINIMAL.replace('{ start: 0, stop: 0.2, step: 0.1 }', values));
    expect(errorOf(() => resolveExperiment('exp', { root })).message).toContain('sweeps.s.grid.contamination.fraction: the value');
  });
});

describe('bounded inputs', () => {
  it('a grid of ten million cells is refused before it is expanded, and a flag raises the limit', () => {
    const huge = MINIMAL.replace('[4, 8]', '{ start: 1, stop: 100000, num: 100000 }').replace('step: 0.1', 'num: 100');
    const root = project(huge);
    const started = Date.now();
    expect(errorOf(() => resolveExperiment('exp', { root })).message).toContain('the sweeps define 10000000 cells, more than the limit of 10000');
    expect(Date.now() - started).toBeLessThan(5000); // nothing was expanded (expanding would exhaust the heap)
    const small = project(MINIMAL);
    expect(errorOf(() => resolveExperiment('exp', { root: small, limits: { cells: 5, trials: 100 } })).message).toContain('6 cells, more than the limit of 5');
    expect(errorOf(() => resolveExperiment('exp', { root: small, limits: { cells: 10, trials: 10 } })).message).toMatch(/6 cells × \d+ trials = \d+ trials, more than the limit of 10/);
    expect(resolveExperiment('exp', { root: small, limits: { cells: 6, trials: 1000 } }).cells).toHaveLength(6);
  });

  it('estimates the memory of the largest trial: it grows with the subspace and the solver, and a run that would not fit is refused naming the cell', () => {
    const wide = (width: number, solver: string) => resolveExperiment('synthetic-sweep', { root: ROOT, sets: [`sweeps.by-width.grid.model.width=[8, ${width}]`, `solver=${solver}`, 'workers=2'] });
    const narrow = wide(16, 'admm').memory!;
    const broad = wide(100_000, 'admm').memory!;
    expect(broad.cell.params['model.width']).toBe(100_000);
    expect(broad.footprint.subspace).toEqual({ m: 900_000, n: 40 });
    // 1.88 GB peak RSS measured for one such trial (admm, 1 worker); the estimate stays above it and within 1.5×.
    expect(broad.perTrial).toBeGreaterThan(1.88e9);
    expect(broad.perTrial).toBeLessThan(1.5 * 1.88e9);
    expect(broad.perTrial).toBeGreaterThan(narrow.perTrial);
    expect(wide(100_000, 'highs').memory!.perTrial).toBeGreaterThan(2 * broad.perTrial); // HiGHS holds float64 copies

    const refused = errorOf(() => resolveExperiment('synthetic-sweep', { root: ROOT, sets: ['sweeps.by-width.grid.model.width=[8, 100000]', 'workers=2'], limits: { memory: 3e9 } }));
    expect(refused.message).toMatch(/synthetic-sweep\.yaml: sweeps\.by-width: memory: largest trial ≈ 2\.\d GB in by-width \(model\.width=100000, .*subspace 900000 × 40.*2 worker\(s\) ≈ [45]\.\d GB, more than the limit of 3\.0 GB; .*--workers 1.*--max-memory/);
    // One worker fits under the same limit; the shipped default fits under the machine's.
    expect(resolveExperiment('synthetic-sweep', { root: ROOT, sets: ['sweeps.by-width.grid.model.width=[8, 100000]', 'workers=1'], limits: { memory: 3e9 } }).memory!.perTrial).toBeLessThan(3e9);
    expect(resolveExperiment('synthetic-sweep', { root: ROOT }).memory!.perTrial).toBeLessThan(1e9);
  });

  it('a config file above the size limit is refused unread; duplicate keys are found in linear time', () => {
    const big = project(MINIMAL, { 'experiments/big.yaml': `description: x\n#${'x'.repeat(1_100_000)}\n` });
    expect(errorOf(() => resolveExperiment('big', { root: big })).message).toContain('a config may be at most 1000000 bytes');
    const keys = (n: number) => `model:\n${Array.from({ length: n }, (_, i) => `  k${i}: ${i}`).join('\n')}\n`;
    const time = (n: number) => {
      const root = project(keys(n));
      const started = performance.now();
      errorOf(() => resolveExperiment('exp', { root }));
      return performance.now() - started;
    };
    time(500); // warm up
    const [small, large] = [time(2000), time(16000)];
    expect(large / small).toBeLessThan(8 * 3); // 8× the keys: linear is ~8×, the quadratic parser it replaces was ~50×
    const dup = project(`${MINIMAL}seed: 1\nseed: 2\n`);
    expect(errorOf(() => resolveExperiment('exp', { root: dup })).message).toMatch(/key 'seed' appears twice in one mapping \(line \d+/);
  });
});
