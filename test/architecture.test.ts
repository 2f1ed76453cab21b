/**
 * The layering is a rule a tool checks: dependency-cruiser with .dependency-cruiser.cjs, started as `npm run deps`
 * starts it. The real tree passes; a copy of it with deliberate violations fails, naming each broken rule.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');

function cruise(root: string) {
  const r = spawnSync(join(ROOT, 'node_modules/.bin/depcruise'), ['src', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, output: `${r.stdout}${r.stderr}` };
}

/** A copy of the project's sources (and its rules) in a temporary folder. */
function copyOfTree(): string {
  const dir = mkdtempSync(join(tmpdir(), 'purify-deps-'));
  for (const entry of ['src', 'tsconfig.json', '.dependency-cruiser.cjs', 'package.json']) cpSync(join(ROOT, entry), join(dir, entry), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

describe('architecture rules', () => {
  it('the source tree has no circular import and no import that runs up the layers', () => {
    const r = cruise(ROOT);
    expect(r.output).toContain('no dependency violations found');
    expect(r.code).toBe(0);
  });

  it('fail on a circular import, a kind importing a kind, the runner importing a kind, and core importing the runner', () => {
    const dir = copyOfTree();
    appendFileSync(join(dir, 'src/core/trial.ts'), "\nimport type { ExperimentKind as _K } from './kind.ts';\n"); // kind.ts imports trial.ts
    appendFileSync(join(dir, 'src/kinds/practical/trial.ts'), "\nimport { patchSize as _p } from '../synthetic/data.ts';\n");
    appendFileSync(join(dir, 'src/runner/run.ts'), "\nimport { synthetic as _s } from '../kinds/synthetic/index.ts';\n");
    appendFileSync(join(dir, 'src/core/output.ts'), "\nimport type { RunOptions as _R } from '../runner/run.ts';\n");
    const r = cruise(dir);
    expect(r.code).not.toBe(0);
    for (const rule of ['no-circular', 'kinds-are-independent', 'framework-knows-no-kind', 'layer-runner-not-kinds', 'layer-core-not-runner']) expect(r.output).toContain(rule);
  });
});
