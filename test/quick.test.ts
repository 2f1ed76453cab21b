/** The quick variant every experiment declares in its own file (`quick:`), applied like --set (npm run paper -- --quick). */
import { describe, expect, it } from 'vitest';
import { KINDS } from '../src/kinds/index.ts';
import { resolveExperiment } from '../src/plan/resolve.ts';
import { ROOT, writeConfig } from './helpers/experiment.ts';

describe('quick variants', () => {
  const resolve = (ref: string, quick: boolean, sets: string[] = []) => resolveExperiment(ref, { root: ROOT, quick, sets }, KINDS);

  it('every shipped experiment declares one that is smaller, and it stays out of the resolved config', () => {
    for (const name of ['synthetic-sweep', 'compare-solvers', 'gaussian-ablation', 'output-layer-sweep', 'relu-training-sweep', 'mnist-purify', 'mnist-breakdown', 'mnist-multilayer', 'mnist-backdoor', 'cifar-purify', 'cifar-backdoor']) {
      const [full, quick] = [resolve(name, false), resolve(name, true)];
      const trials = (r: typeof full) => r.cells.reduce((n, c) => n + c.config.trials, 0);
      expect(trials(quick), name).toBeLessThan(trials(full) / 3);
      expect(Object.keys(full.config)).not.toContain('quick');
      expect(Object.keys(quick.config)).not.toContain('quick');
    }
  });

  it('applies its keys like --set (grids replaced, ranges merged) and --set still wins', () => {
    const quick = resolve('synthetic-sweep', true, ['trials=4']);
    expect(quick.config.trials).toBe(4);
    expect(new Set(quick.cells.filter((c) => c.sweep === 'by-width').map((c) => c.params['model.width']))).toEqual(new Set([5, 10, 20, 40, 80]));
    expect(new Set(quick.cells.map((c) => c.params['contamination.fraction'])).size).toBe(9); // 0, 0.1, …, 0.8
  });

  it('is read from the experiment file itself, never inherited', () => {
    const child = writeConfig('extends: synthetic-sweep\n');
    expect(resolve(child, true).cells.length).toBe(resolve(child, false).cells.length);
  });

  it('a bad quick block is reported at the file and key', () => {
    const message = (yaml: string) => {
      try {
        resolve(writeConfig(yaml, 'bad.yaml'), true);
      } catch (err) {
        return (err as Error).message;
      }
      return 'no error';
    };
    expect(message('extends: synthetic-sweep\nquick: 3\n')).toMatch(/bad\.yaml.*quick.*expected a mapping of dotted key path to value/s);
    expect(message('extends: synthetic-sweep\nquick: { trials: 0 }\n')).toMatch(/bad\.yaml quick\.trials.*trials/s);
    expect(message('extends: synthetic-sweep\nquick: { modle.width: 8 }\n')).toMatch(/bad\.yaml quick\.modle\.width: modle: unknown key 'modle' \(did you mean 'model'\?\)/);
    expect(message('extends: synthetic-sweep\nquick: { "a..b": 8 }\n')).toMatch(/expected a dotted key path/);
  });
});
