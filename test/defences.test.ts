/** The comparison defences of the backdoor-defences kind on hand-made cases (src/kinds/defences/defences.ts). */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { anpMask, dormantUnits, maskedFeatures } from '../src/kinds/defences/defences.ts';
import { useBackend } from '../src/tensor/backend.ts';

beforeAll(async () => {
  await useBackend('wasm');
});

describe('Fine-Pruning', () => {
  it('prunes the units least active on the benign inputs, lowest mean first, ties by index', () => {
    // 3 inputs × 6 units; means: u0 2, u1 0, u2 5, u3 0, u4 1/3, u5 4
    const activations = [
      [2, 0, 5, 0, 1, 4],
      [2, 0, 5, 0, 0, 4],
      [2, 0, 5, 0, 0, 4],
    ].flat();
    expect(Array.from(dormantUnits(activations, 3, 6, 0.5))).toEqual([1, 3, 4]);
    expect(Array.from(dormantUnits(activations, 3, 6, 0.3))).toEqual([1, 3]); // round(1.8) = 2: the two dormant ones
    expect(Array.from(dormantUnits(activations, 3, 6, 0.7))).toEqual([0, 1, 3, 4]);
    expect(() => dormantUnits(activations, 3, 5, 0.5)).toThrow(/18 activations for 3 × 5/);
  });

  it('a pruned unit is held at its constant, the others pass unchanged', () => {
    const h = tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
    const out = maskedFeatures(h, [0, 2], Float32Array.from([-7, 99, 0.5])).arraySync();
    expect(out).toEqual([[-7, 2, 0.5], [-7, 5, 0.5]]);
  });
});

describe('ANP', () => {
  // A head on 4 units: units 0 and 1 carry the classes; unit 3 carries a huge weight that flips the prediction
  // (a backdoor unit, mildly active on benign inputs), unit 2 is unused.
  const features = tf.tensor2d(Array.from({ length: 40 }, (_, k) => [k % 2 ? 1 : 0, k % 2 ? 0 : 1, 0.5, 0.1]));
  const labels = Int32Array.from({ length: 40 }, (_, k) => k % 2);
  const head = tf.tensor2d([
    [-4, 4, 0, 20, 0],
    [4, -4, 0, -20, 0],
  ]);
  const opts = { eps: 0.4, alpha: 0.2, lr: 0.2, steps: 60, batchSize: 16, pruneBy: 'threshold' as const, threshold: 0.2, fraction: 0.25 };

  it('prunes the unit whose perturbation hurts the benign loss most, and is a function of its seed', async () => {
    const a = await anpMask(head, features, labels, opts, 's');
    const b = await anpMask(head, features, labels, opts, 's');
    expect(Array.from(a.mask)).toEqual(Array.from(b.mask));
    expect(Array.from(a.pruned)).toEqual([3]);
    expect(a.mask[0]).toBeGreaterThan(0.5);
    expect(a.mask[1]).toBeGreaterThan(0.5);
    // By fraction: the quarter of the 4 units with the lowest mask, the same unit.
    expect(Array.from((await anpMask(head, features, labels, { ...opts, pruneBy: 'fraction' }, 's')).pruned)).toEqual([3]);
  });

  it('with the natural loss only (α = 1) and a head that fits the data, nothing is pruned', async () => {
    const clean = tf.tensor2d([
      [-4, 4, 0, 0, 0],
      [4, -4, 0, 0, 0],
    ]);
    const { pruned } = await anpMask(clean, features, labels, { ...opts, alpha: 1 }, 's');
    expect(pruned.length).toBe(0);
  });
});
