/**
 * The pretrained backbone (src/networks/backbone.ts, conv.ts, checkpoint.ts): the 3×3 convolution's gradients
 * against their definitions computed by loops and against central differences, the checkpoint round trip (bit
 * identical, and refused when damaged), pretraining determinism, and the split between public and victim images.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeImageSet, type ImageSplit } from '../src/data/index.ts';
import { backboneFeatures, backboneFromCheckpoint, backboneId, backboneTensors, pretrainBackbone, publicImages, publicStart, saveBackbone, type BackboneSpec } from '../src/networks/backbone.ts';
import { CheckpointError, loadCheckpoint, saveCheckpoint } from '../src/networks/checkpoint.ts';
import { conv3x3, filterGradient, inputGradient } from '../src/networks/conv.ts';
import { selectImages } from '../src/networks/images.ts';
import { useBackend } from '../src/tensor/backend.ts';
import { Rng } from '../src/util/rng.ts';

beforeAll(async () => {
  await useBackend('wasm');
});

const [N, H, Wd, C, O] = [2, 5, 4, 3, 2];
const at4 = (a: Float32Array, shape: number[], i: number, j: number, k: number, l: number) => a[((i * shape[1] + j) * shape[2] + k) * shape[3] + l];

function randomTensors(seed: number) {
  const rng = Rng.stream(seed, 'conv');
  return {
    x: Float32Array.from(rng.normals(N * H * Wd * C)),
    W: Float32Array.from(rng.normals(9 * C * O)),
    dy: Float32Array.from(rng.normals(N * H * Wd * O)),
  };
}

describe('conv3x3 (padding 1, stride 1) and its gradients', () => {
  it('forward equals the definition', () => {
    const { x, W } = randomTensors(1);
    const y = conv3x3(tf.tensor4d(x, [N, H, Wd, C]), tf.tensor4d(W, [3, 3, C, O])).dataSync() as Float32Array;
    for (let n = 0; n < N; n++)
      for (let i = 0; i < H; i++)
        for (let j = 0; j < Wd; j++)
          for (let o = 0; o < O; o++) {
            let s = 0;
            for (let ky = 0; ky < 3; ky++)
              for (let kx = 0; kx < 3; kx++)
                for (let c = 0; c < C; c++) {
                  const [r, q] = [i + ky - 1, j + kx - 1];
                  if (r >= 0 && r < H && q >= 0 && q < Wd) s += at4(x, [N, H, Wd, C], n, r, q, c) * at4(W, [3, 3, C, O], ky, kx, c, o);
                }
            expect(at4(y, [N, H, Wd, O], n, i, j, o)).toBeCloseTo(s, 4);
          }
  });

  it('filter and input gradients equal their definitions (loops over the padded input)', () => {
    const { x, W, dy } = randomTensors(2);
    const dW = filterGradient(tf.tensor4d(x, [N, H, Wd, C]), tf.tensor4d(dy, [N, H, Wd, O])).dataSync() as Float32Array;
    const dx = inputGradient(tf.tensor4d(dy, [N, H, Wd, O]), tf.tensor4d(W, [3, 3, C, O])).dataSync() as Float32Array;
    const wantW = new Float64Array(9 * C * O);
    const wantX = new Float64Array(N * H * Wd * C);
    for (let n = 0; n < N; n++)
      for (let i = 0; i < H; i++)
        for (let j = 0; j < Wd; j++)
          for (let ky = 0; ky < 3; ky++)
            for (let kx = 0; kx < 3; kx++) {
              const [r, q] = [i + ky - 1, j + kx - 1];
              if (r < 0 || r >= H || q < 0 || q >= Wd) continue;
              for (let c = 0; c < C; c++)
                for (let o = 0; o < O; o++) {
                  const g = at4(dy, [N, H, Wd, O], n, i, j, o);
                  wantW[((ky * 3 + kx) * C + c) * O + o] += at4(x, [N, H, Wd, C], n, r, q, c) * g;
                  wantX[((n * H + r) * Wd + q) * C + c] += at4(W, [3, 3, C, O], ky, kx, c, o) * g;
                }
            }
    wantW.forEach((v, k) => expect(dW[k]).toBeCloseTo(v, 4));
    wantX.forEach((v, k) => expect(dx[k]).toBeCloseTo(v, 4));
  });

  it('tf.grads through conv3x3 matches central differences of the loss Σ dy·y', () => {
    const { x, W, dy } = randomTensors(3);
    const loss = (xv: Float32Array, Wv: Float32Array) =>
      tf.tidy(() => tf.sum(tf.mul(conv3x3(tf.tensor4d(xv, [N, H, Wd, C]), tf.tensor4d(Wv, [3, 3, C, O])), tf.tensor4d(dy, [N, H, Wd, O]))).dataSync()[0]);
    const [gx, gW] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(conv3x3(a as tf.Tensor4D, b as tf.Tensor4D), tf.tensor4d(dy, [N, H, Wd, O]))))([
      tf.tensor4d(x, [N, H, Wd, C]),
      tf.tensor4d(W, [3, 3, C, O]),
    ]).map((t) => t.dataSync());
    const h = 1e-2; // the loss is linear in each argument, so central differences are exact up to float32 rounding
    const central = (values: Float32Array, k: number, loss: (v: Float32Array) => number) => {
      const up = Float32Array.from(values);
      const down = Float32Array.from(values);
      up[k] += h;
      down[k] -= h;
      return (loss(up) - loss(down)) / (2 * h);
    };
    for (const k of [0, 7, 20, 53]) expect(gW[k]).toBeCloseTo(central(W, k, (v) => loss(x, v)), 2);
    for (const k of [0, 11, 59, 100]) expect(gx[k]).toBeCloseTo(central(x, k, (v) => loss(v, W)), 2);
  });
});

/** Images of a tiny 8×8 set: class c has a bright c-th row, plus noise. */
function tinySplit(count: number): ImageSplit {
  const rng = Rng.stream(9, 'images');
  const make = (n: number, name: string) => {
    const pixels = new Uint8Array(n * 64);
    const labels = new Uint8Array(n);
    for (let k = 0; k < n; k++) {
      const c = k % 8;
      labels[k] = c;
      for (let p = 0; p < 64; p++) pixels[k * 64 + p] = Math.min(255, Math.floor(40 * rng.uniform()) + (Math.floor(p / 8) === c ? 200 : 0));
    }
    return makeImageSet({ name, count: n, height: 8, width: 8, channels: 1, pixels, labels, classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] });
  };
  return { train: make(count, 'tiny-train'), test: make(40, 'tiny-test') };
}

// A spec fixes the image shape by its data set (MNIST: 28×28), so the tiny images are drawn on a 28×28 canvas.
function paddedTo28(split: ImageSplit): ImageSplit {
  const pad = (set: ImageSplit['train']) => {
    const pixels = new Uint8Array(set.count * 784);
    for (let k = 0; k < set.count; k++) for (let r = 0; r < 8; r++) for (let c = 0; c < 8; c++) pixels[k * 784 + (r + 10) * 28 + c + 10] = set.pixels[k * 64 + r * 8 + c];
    return makeImageSet({ name: set.name, count: set.count, height: 28, width: 28, channels: 1, pixels, labels: set.labels, classes: set.classes });
  };
  return { train: pad(split.train), test: pad(split.test) };
}

const SPEC: BackboneSpec = { dataset: 'mnist', blocks: [3, 4], standardize: true, seed: 7, publicShare: 0.5, images: 48, epochs: 2, batchSize: 16, optimizer: 'sgd', lr: 0.05, momentum: 0.9 };

describe('backbone pretraining and checkpoints', () => {
  const split = paddedTo28(tinySplit(120));

  it('pretraining is a function of the spec: the same bits twice, other bits for another seed', async () => {
    const a = await pretrainBackbone(SPEC, split);
    const b = await pretrainBackbone(SPEC, split);
    const c = await pretrainBackbone({ ...SPEC, seed: 8 }, split);
    const bits = async (x: typeof a) => (await backboneTensors(x)).map((t) => Array.from(new Uint32Array(t.values.buffer)));
    expect(await bits(a)).toEqual(await bits(b));
    expect(await bits(a)).not.toEqual(await bits(c));
    expect(a.pretraining.images).toBe(48);
    expect(Number(a.pretraining.test_accuracy)).toBeGreaterThanOrEqual(0);
  });

  it('a saved checkpoint loads back bit-identically and gives the same features', async () => {
    const backbone = await pretrainBackbone(SPEC, split);
    const dir = join(mkdtempSync(join(tmpdir(), 'backbone-')), backbone.id);
    await saveBackbone(backbone, dir);
    const loaded = backboneFromCheckpoint(backbone.id, SPEC, loadCheckpoint(dir), dir);
    const saved = await backboneTensors(backbone);
    const back = await backboneTensors(loaded);
    expect(back.map((t) => t.name)).toEqual(saved.map((t) => t.name));
    back.forEach((t, k) => {
      expect(t.shape).toEqual(saved[k].shape);
      expect(Array.from(new Uint32Array(t.values.buffer))).toEqual(Array.from(new Uint32Array(saved[k].values.buffer)));
    });
    const X = tf.tensor4d(Float32Array.from(Rng.stream(1, 'x').normals(3 * 784)).map(Math.abs), [3, 28, 28, 1]);
    expect(backboneFeatures(X, loaded).dataSync()).toEqual(backboneFeatures(X, backbone).dataSync());
    expect(loaded.id).toBe(backboneId(SPEC, publicImages(split.train, SPEC)));
    // Other pretraining images (another file under the same data set name) make another backbone.
    expect(backboneId(SPEC, publicImages(paddedTo28(tinySplit(121)).train, SPEC))).not.toBe(loaded.id);
  });

  it('a damaged or foreign checkpoint is refused with the file and the reason', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'ckpt-')), 'x');
    saveCheckpoint(dir, { id: 'x', config: {}, pretraining: {} }, [{ name: 'w', shape: [2, 3], values: Float32Array.from([1, 2, 3, 4, 5, 6]) }]);
    expect(loadCheckpoint(dir).tensors.get('w')!.values).toEqual(Float32Array.from([1, 2, 3, 4, 5, 6]));
    const weights = join(dir, 'weights.bin');
    const bytes = readFileSync(weights);
    bytes[5] ^= 0xff;
    writeFileSync(weights, bytes);
    expect(() => loadCheckpoint(dir)).toThrow(/weights\.bin: SHA-256 differs/);
    writeFileSync(weights, bytes.subarray(0, 20));
    expect(() => loadCheckpoint(dir)).toThrow(/20 bytes, backbone\.json says 24/);
    writeFileSync(join(dir, 'backbone.json'), '{"format": "something else"}');
    expect(() => loadCheckpoint(dir)).toThrow(CheckpointError);
    expect(() => loadCheckpoint(dir)).toThrow(/backbone\.json: format/);
    expect(() => backboneFromCheckpoint('mine', SPEC, { meta: { id: 'other' } as never, tensors: new Map() }, dir)).toThrow(/holds backbone other, expected mine/);
  });

  it('the backbone pretrains on the public part only; the victim draws from the rest', () => {
    const start = publicStart(split.train.count, SPEC);
    expect(start).toBe(60);
    const pub = publicImages(split.train, SPEC);
    const victim = selectImages(split, { dataset: 'mnist', dir: '', download: false, trainSamples: 50, subspaceInputs: 60, testSamples: 0 }, 3, start);
    const pixelsOf = (set: typeof pub) => new Set(Array.from({ length: set.count }, (_, k) => Buffer.from(set.pixels.subarray(k * 784, (k + 1) * 784)).toString('hex')));
    const publicPixels = pixelsOf(pub);
    for (const image of pixelsOf(victim.benign)) expect(publicPixels.has(image)).toBe(false);
    expect(() => publicImages(split.train, { ...SPEC, images: 61 })).toThrow(/public part .* has 60 images/);
    expect(() => selectImages(split, { dataset: 'mnist', dir: '', download: false, trainSamples: 61, subspaceInputs: 0, testSamples: 0 }, 3, start)).toThrow(/outside the backbone's public part/);
  });
});
