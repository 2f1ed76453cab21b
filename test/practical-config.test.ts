import { describe, expect, it } from 'vitest';
import { backdoor as backdoorKind } from '../src/kinds/backdoor/index.ts';
import { KINDS } from '../src/kinds/index.ts';
import { practical } from '../src/kinds/practical/index.ts';
import { resolveAs, resolveExperiment } from '../src/plan/resolve.ts';
import { ROOT, writeConfig } from './helpers/experiment.ts';

const resolve = (yaml: string, sets: string[] = []) => resolveExperiment(writeConfig(yaml), { root: ROOT, sets }, KINDS);
const message = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
};

describe('practical configs', () => {
  it('the shipped MNIST experiments resolve with the documented choices', () => {
    const purify = resolveAs(practical, 'mnist-purify', { root: ROOT });
    expect(purify.config.network).toMatchObject({ kernel: 4, filters: 32, hidden: [] });
    expect(purify.config.data).toMatchObject({ dataset: 'mnist', trainSamples: 300, subspaceInputs: 0 });
    expect(new Set(purify.cells.map((c) => c.config.purification.variant))).toEqual(new Set(['project', 'detect-replace']));
    const backdoor = resolveAs(backdoorKind, 'mnist-backdoor', { root: ROOT });
    expect(backdoor.config.backdoor).toMatchObject({ target: 0, trigger: { size: 4, corner: 'bottom-right' } });
    const multi = resolveAs(practical, 'mnist-multilayer', { root: ROOT });
    expect(multi.config.network.hidden).toEqual([512]);
  });

  it('rejects a kernel that does not tile the image, naming the divisors', () => {
    const text = message(() => resolve('extends: mnist-purify\n', ['network.kernel=5']));
    expect(text).toContain('--set network.kernel=5: network.kernel: expected a divisor of the mnist image side 28 (1, 2, 4, 7, 14, 28)');
    expect(message(() => resolve('extends: cifar-purify\n', ['network.kernel=7']))).toContain('image side 32 (1, 2, 4, 8, 16, 32)');
  });

  it('rejects a trigger that does not fit, a target that is no class, and figures of another kind', () => {
    expect(message(() => resolve('extends: mnist-backdoor\n', ['backdoor.trigger.size=28']))).toContain('backdoor.trigger.size: expected size + margin ≤ image side 28');
    expect(message(() => resolve('extends: mnist-backdoor\n', ['backdoor.target=10']))).toContain('backdoor.target: expected a class label 0..9, got 10');
    expect(message(() => resolve('extends: mnist-purify\n', ['sweeps.by-corruption.figures=[{kind: backdoor-bars}]']))).toContain(
      "sweeps.by-corruption.figures[0].kind: expected one of accuracy-curves, breakdown for kind 'practical', got \"backdoor-bars\"",
    );
    expect(message(() => resolve('extends: mnist-purify\n', ['contamination.sign=aligned']))).toContain("contamination.sign: unknown key 'sign'");
  });
});
