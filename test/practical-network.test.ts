import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { convFeatureCount, convFeatures, convFeaturesChunked, denseShapes, initConv, initNetwork, logits } from '../src/networks/network.ts';
import type { NetworkConfig } from '../src/networks/schema.ts';
import { trainDense } from '../src/networks/train.ts';
import { useBackend } from '../src/tensor/backend.ts';
import { Rng } from '../src/util/rng.ts';

beforeAll(async () => {
  await useBackend('wasm');
});

const NET: NetworkConfig = { kernel: 4, filters: 3, hidden: [5], filterScale: 1, biasScale: 0.1, denseScale: 1 };

describe('non-overlapping CNN', () => {
  it('the reshape + matmul convolution equals a naive stride-k convolution (3 channels)', () => {
    const shape = { side: 8, channels: 3 };
    const conv = initConv(11, NET, shape);
    const N = 2;
    const x = Float32Array.from(Rng.stream(1, 'x').normals(N * 8 * 8 * 3));
    const X = tf.tensor4d(x, [N, 8, 8, 3]);
    const got = convFeatures(X, conv).arraySync();
    const W = conv.W.arraySync();
    const b = conv.b.arraySync();
    for (let s = 0; s < N; s++) {
      for (let gr = 0; gr < 2; gr++) {
        for (let gc = 0; gc < 2; gc++) {
          for (let j = 0; j < 3; j++) {
            let z = b[j];
            for (let i = 0; i < 4; i++) for (let c = 0; c < 4; c++) for (let ch = 0; ch < 3; ch++) z += W[j][(i * 4 + c) * 3 + ch] * x[((s * 8 + gr * 4 + i) * 8 + gc * 4 + c) * 3 + ch];
            expect(got[s][(gr * 2 + gc) * 3 + j]).toBeCloseTo(Math.max(0, z), 5);
          }
        }
      }
    }
    expect(convFeaturesChunked(X, conv, 1).arraySync()).toEqual(got);
    expect(initNetwork(11, NET, shape).features.apply(X).arraySync()).toEqual(got);
    expect(convFeatureCount(NET, shape)).toBe(12);
    expect(denseShapes(convFeatureCount(NET, shape), NET.hidden)).toEqual([{ inputs: 12, outputs: 5 }, { inputs: 5, outputs: 10 }]);
  });

  it('θ0 is a function of the seed alone', () => {
    const a = initNetwork(5, NET, { side: 8, channels: 1 });
    const b = initNetwork(5, NET, { side: 8, channels: 1 });
    const c = initNetwork(6, NET, { side: 8, channels: 1 });
    expect(a.dense[0].arraySync()).toEqual(b.dense[0].arraySync());
    const X = tf.ones([1, 8, 8, 1]) as tf.Tensor4D;
    expect(a.features.apply(X).arraySync()).toEqual(b.features.apply(X).arraySync());
    expect(a.dense[0].arraySync()).not.toEqual(c.dense[0].arraySync());
    expect(a.dense[1].shape).toEqual([10, 6]);
  });

  it('SGD with momentum lowers the loss and keeps each row update in the span of the (h(x), 1) it saw', async () => {
    const net = initNetwork(3, { ...NET, hidden: [] }, { side: 8, channels: 1 });
    const n = 6;
    const features = tf.tensor2d(Float32Array.from(Rng.stream(2, 'f').normals(n * 12)), [n, 12]).relu() as tf.Tensor2D;
    const labels = Int32Array.from({ length: n }, (_, i) => i % 3);
    const zeros = net.dense.map((w) => tf.zerosLike(w));
    const out = await trainDense(features, labels, net.dense, zeros, { epochs: 40, batchSize: 4, lr: 0.1, momentum: 0.9, schedule: 'layerwise', seed: 's' });
    expect(out.lossFinal).toBeLessThan(out.lossInitial / 2);
    // The update of every row is Σ_s c_s (φ(x_s), 1): a least-squares fit of it on those n vectors is exact.
    const A = tf.concat([features, tf.ones([n, 1])], 1) as tf.Tensor2D; // [n, 13]
    const dV = out.updates[0]; // [10, 13]
    const gram = tf.matMul(A, A, false, true).arraySync() as number[][];
    const rhs = tf.matMul(dV, A, false, true).arraySync() as number[][]; // [10, n]
    const solve = (M: number[][], v: number[]) => gaussSolve(M.map((r) => [...r]), [...v]);
    const fitted = rhs.map((r) => solve(gram, r));
    const recon = tf.matMul(tf.tensor2d(fitted), A).arraySync() as number[][];
    const actual = dV.arraySync();
    let err = 0;
    let norm = 0;
    recon.forEach((row, i) => row.forEach((v, j) => { err += (v - actual[i][j]) ** 2; norm += actual[i][j] ** 2; }));
    expect(Math.sqrt(err / norm)).toBeLessThan(1e-4);
    const predicted = logits(features, net.dense.map((w, l) => w.add(out.updates[l]) as tf.Tensor2D)).argMax(1).arraySync();
    expect(predicted).toEqual(Array.from(labels));
  });
});

/** Gaussian elimination with partial pivoting (small dense systems in tests). */
function gaussSolve(M: number[][], v: number[]): number[] {
  const n = v.length;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r][c]) > Math.abs(M[p][c])) p = r;
    [M[c], M[p]] = [M[p], M[c]];
    [v[c], v[p]] = [v[p], v[c]];
    for (let r = c + 1; r < n; r++) {
      const f = M[r][c] / M[c][c];
      for (let k = c; k < n; k++) M[r][k] -= f * M[c][k];
      v[r] -= f * v[c];
    }
  }
  const x = new Array(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = v[r];
    for (let k = r + 1; k < n; k++) s -= M[r][k] * x[k];
    x[r] = s / M[r][r];
  }
  return x;
}
