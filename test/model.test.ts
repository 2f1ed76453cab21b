import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { features, forward, gatedForward, gates, hiddenGradient, outputGradient, type CnnParams } from '../src/kinds/synthetic/cnn.ts';
import { initStudent, makeTask } from '../src/kinds/synthetic/data.ts';
import type { ModelConfig } from '../src/kinds/synthetic/schema.ts';
import { hiddenSubspace, outputSubspace } from '../src/kinds/synthetic/subspace.ts';
import { trainHidden, trainHiddenLinearized, trainOutput, TrainingDiverged } from '../src/kinds/synthetic/train.ts';
import { useBackend } from '../src/tensor/backend.ts';
import { distance, norm, projectOntoRange } from './helpers/lstsq.ts';

const model: ModelConfig = { inputDim: 12, patches: 3, width: 7, filterScale: 1, biasScale: 0.1, outputInit: 'sign' };
const k = 4;

beforeAll(async () => {
  await useBackend('wasm');
});

function setup(samples = 5, seed = 11) {
  const task = makeTask(seed, model, { samples, teacherWidth: 2, labelNoise: 0.1 });
  const init = initStudent(seed, model);
  return { ...task, init };
}

describe('one-hidden-layer non-overlapping CNN', () => {
  it('forward matches a direct evaluation of f(x) = Σ_j a_j (1/r) Σ_i relu(w_j·x^(i) + b_j)', () => {
    const { P, init } = setup();
    const got = forward(P, init).arraySync();
    const X = P.arraySync();
    const [W, b, a] = [init.W.arraySync(), init.b.arraySync(), init.a.arraySync()];
    X.forEach((patches, s) => {
      let f = 0;
      for (let j = 0; j < model.width; j++) {
        let h = 0;
        for (const x of patches) h += Math.max(0, x.reduce((acc, xi, t) => acc + xi * W[j][t], 0) + b[j]);
        f += (a[j] * h) / model.patches;
      }
      expect(got[s]).toBeCloseTo(f, 5);
    });
  });

  it('the explicit hidden-layer gradient equals tf.grad of the squared loss', () => {
    const { P, y, init } = setup();
    const loss = (W: tf.Tensor, b: tf.Tensor) => forward(P, { W: W as tf.Tensor2D, b: b as tf.Tensor1D, a: init.a }).sub(y).square().mean().mul(0.5) as tf.Scalar;
    const [autoW, autoB] = tf.grads(loss)([init.W, init.b]);
    const e = forward(P, init).sub(y) as tf.Tensor1D;
    const { gW, gb } = hiddenGradient(P, init.a, gates(P, init.W, init.b), e);
    expect(distance(gW.dataSync(), autoW.dataSync())).toBeLessThan(1e-6 * (1 + norm(autoW.dataSync())));
    expect(distance(gb.dataSync(), autoB.dataSync())).toBeLessThan(1e-6 * (1 + norm(autoB.dataSync())));
    expect(norm(autoW.dataSync())).toBeGreaterThan(1e-3); // a gradient that is not trivially zero
  });

  it('the output-layer gradient equals tf.grad, and the gated model agrees with f at θ0', () => {
    const { P, y, init } = setup();
    const lossA = (a: tf.Tensor) => forward(P, { ...init, a: a as tf.Tensor1D }).sub(y).square().mean().mul(0.5) as tf.Scalar;
    const auto = tf.grad(lossA)(init.a);
    const mine = outputGradient(features(P, init.W, init.b), forward(P, init).sub(y) as tf.Tensor1D);
    expect(distance(mine.dataSync(), auto.dataSync())).toBeLessThan(1e-6);
    const G = gates(P, init.W, init.b);
    expect(distance(gatedForward(P, init, G).dataSync(), forward(P, init).dataSync())).toBeLessThan(1e-5);
  });

  it('column s of A_W is ∇_(W,b) f(x_s) at θ0, in the order [vec(W), b]', () => {
    const { P, init } = setup(4);
    const A = hiddenSubspace(P, init.a, gates(P, init.W, init.b), 'hidden');
    expect(A.shape).toEqual([model.width * (k + 1), 4]);
    const cols = A.transpose().arraySync() as number[][];
    for (let s = 0; s < 4; s++) {
      const fs = (W: tf.Tensor, b: tf.Tensor) => forward(P.slice([s, 0, 0], [1, -1, -1]), { W: W as tf.Tensor2D, b: b as tf.Tensor1D, a: init.a }).sum() as tf.Scalar;
      const [gW, gb] = tf.grads(fs)([init.W, init.b]);
      const expected = [...gW.dataSync(), ...gb.dataSync()];
      expect(distance(cols[s], expected)).toBeLessThan(1e-6);
    }
    // The blocks for W alone and b alone are the corresponding rows.
    const Aw = hiddenSubspace(P, init.a, gates(P, init.W, init.b), 'hidden-w').arraySync() as number[][];
    const Ab = hiddenSubspace(P, init.a, gates(P, init.W, init.b), 'hidden-b').arraySync() as number[][];
    const full = A.arraySync() as number[][];
    expect(Aw).toEqual(full.slice(0, model.width * k));
    expect(Ab).toEqual(full.slice(model.width * k));
  });

  it('column s of A_β is the feature vector Φ(x_s) = ∇_a f(x_s)', () => {
    const { P, init } = setup(3);
    const A = outputSubspace(P, init.W, init.b).transpose().arraySync() as number[][];
    for (let s = 0; s < 3; s++) {
      const fs = (a: tf.Tensor) => forward(P.slice([s, 0, 0], [1, -1, -1]), { ...init, a: a as tf.Tensor1D }).sum() as tf.Scalar;
      expect(distance(A[s], tf.grad(fs)(init.a).dataSync())).toBeLessThan(1e-6);
    }
  });
});

describe('training and the subspace', () => {
  function offSubspace(update: Float32Array | Float64Array, A: tf.Tensor2D): number {
    const [m, n] = A.shape;
    return distance(projectOntoRange(A.dataSync(), m, n, update), update) / norm(update);
  }

  it('linearized training decreases the loss and its update lies in range(A_W) to float precision', () => {
    const { P, y, init } = setup(6);
    const h = trainHidden(P, y, init, { mode: 'linearized', steps: 150, lr: 0.5 });
    expect(h.lossFinal).toBeLessThan(0.5 * h.lossInitial);
    expect(h.flippedShare).toBeGreaterThanOrEqual(0);
    const update = Float64Array.from([...h.dW.dataSync(), ...h.db.dataSync()]);
    const A = hiddenSubspace(P, init.a, gates(P, init.W, init.b), 'hidden');
    expect(norm(update)).toBeGreaterThan(1e-3);
    expect(offSubspace(update, A)).toBeLessThan(1e-5);
  });

  it('linearized training through the Jacobian A_W gives the same update as GD on the gated network', () => {
    const { P, y, init } = setup(6);
    const A = hiddenSubspace(P, init.a, gates(P, init.W, init.b), 'hidden');
    const gated = trainHidden(P, y, init, { mode: 'linearized', steps: 80, lr: 0.5 });
    const viaJacobian = trainHiddenLinearized(P, y, init, A, { steps: 80, lr: 0.5 });
    const a = [...gated.dW.dataSync(), ...gated.db.dataSync()];
    const b = [...viaJacobian.dW.dataSync(), ...viaJacobian.db.dataSync()];
    expect(distance(a, b)).toBeLessThan(1e-5 * norm(a));
    expect(viaJacobian.lossFinal).toBeCloseTo(gated.lossFinal, 6);
    expect(viaJacobian.flippedShare).toBeCloseTo(gated.flippedShare, 6);
  });

  it('linearized training on the n coefficients (Gram matrix AᵀA) gives the parameter-space update to float precision', () => {
    const { P, y, init } = setup(6);
    const A = hiddenSubspace(P, init.a, gates(P, init.W, init.b), 'hidden');
    const reference = trainHiddenLinearized(P, y, init, A, { steps: 120, lr: 0.5, space: 'parameters' });
    const coefficients = trainHiddenLinearized(P, y, init, A, { steps: 120, lr: 0.5, space: 'coefficients' });
    const a = [...reference.dW.dataSync(), ...reference.db.dataSync()];
    const b = [...coefficients.dW.dataSync(), ...coefficients.db.dataSync()];
    expect(norm(a)).toBeGreaterThan(1e-3);
    expect(distance(a, b)).toBeLessThan(1e-5 * norm(a));
    expect(distance(a, b)).toBeGreaterThan(0); // two different computations, not one path twice
    expect(coefficients.lossFinal).toBeCloseTo(reference.lossFinal, 6);
  });

  it('output-layer training on the n coefficients gives the parameter-space update to float precision', () => {
    const { P, y, init } = setup(5);
    const reference = trainOutput(P, y, init, { steps: 100, lr: 0.5, space: 'parameters' });
    const coefficients = trainOutput(P, y, init, { steps: 100, lr: 0.5, space: 'coefficients' });
    const a = [...reference.da.dataSync()];
    const b = [...coefficients.da.dataSync()];
    expect(norm(a)).toBeGreaterThan(1e-3);
    expect(distance(a, b)).toBeLessThan(1e-5 * norm(a));
    expect(coefficients.lossFinal).toBeCloseTo(reference.lossFinal, 6);
    expect(coefficients.lossFinal).toBeLessThan(coefficients.lossInitial);
  });

  it('true ReLU training moves activation patterns and leaves the subspace', () => {
    const { P, y, init } = setup(6);
    const h = trainHidden(P, y, init, { mode: 'relu', steps: 300, lr: 2 });
    expect(h.flippedShare).toBeGreaterThan(0);
    const update = Float64Array.from([...h.dW.dataSync(), ...h.db.dataSync()]);
    const A = hiddenSubspace(P, init.a, gates(P, init.W, init.b), 'hidden');
    expect(offSubspace(update, A)).toBeGreaterThan(1e-3);
  });

  it('output-layer training stays in range(A_β)', () => {
    const { P, y, init } = setup(5);
    const o = trainOutput(P, y, init, { steps: 100, lr: 0.5 });
    expect(o.lossFinal).toBeLessThan(o.lossInitial);
    expect(offSubspace(o.da.dataSync() as Float32Array, outputSubspace(P, init.W, init.b))).toBeLessThan(1e-5);
  });

  it('divergence is detected where it happens, not passed on as NaN', () => {
    const { P, y, init } = setup(6);
    expect(() => trainHidden(P, y, init, { mode: 'relu', steps: 400, lr: 1e6 })).toThrow(TrainingDiverged);
  });

  it('the same seed gives the same data, initialisation and trained update', () => {
    const run = () => {
      const { P, y, init } = setup(5, 99);
      const h = trainHidden(P, y, init, { mode: 'linearized', steps: 20, lr: 0.5 });
      return [...h.dW.dataSync(), ...h.db.dataSync()];
    };
    expect(run()).toEqual(run());
    const other = setup(5, 100).init.W.dataSync();
    expect([...other]).not.toEqual([...setup(5, 99).init.W.dataSync()]);
  });
});
