/**
 * The common in-memory form of an image data set (MNIST, Fashion-MNIST, CIFAR-10, synthetic fixtures) and small
 * pure helpers on it. Pixels stay raw bytes (NHWC, 0..255) so a 60k-image set costs 47 MB, not 188 MB of floats;
 * callers convert the slice they need with `toFloat`.
 */
import seedrandom from 'seedrandom';

export interface ImageSet {
  /** e.g. 'mnist-train', 'cifar10-test'. */
  readonly name: string;
  readonly count: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  /** count × height × width × channels (NHWC), raw 0..255. */
  readonly pixels: Uint8Array;
  /** count entries, each < classes.length. */
  readonly labels: Uint8Array;
  readonly classes: readonly string[];
}

export interface ImageSplit {
  readonly train: ImageSet;
  readonly test: ImageSet;
}

/** A data file exists but its bytes are not what the format promises. Carries the file's path. */
export class DataFormatError extends Error {
  override name = 'DataFormatError';
  constructor(
    readonly path: string,
    detail: string,
  ) {
    super(`${path}: ${detail}`);
  }
}

/** A data set's files are missing and could not be fetched; the message says what to put where. */
export class DataUnavailableError extends Error {
  override name = 'DataUnavailableError';
  constructor(
    message: string,
    readonly dataset: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Build an ImageSet after checking that the arrays agree with the declared shape (a programming error otherwise). */
export function makeImageSet(fields: ImageSet): ImageSet {
  const { name, count, height, width, channels, pixels, labels, classes } = fields;
  const perImage = height * width * channels;
  if (pixels.length !== count * perImage) {
    throw new RangeError(`${name}: ${pixels.length} pixel bytes, expected ${count}×${height}×${width}×${channels}`);
  }
  if (labels.length !== count) throw new RangeError(`${name}: ${labels.length} labels for ${count} images`);
  const bad = labels.findIndex((label) => label >= classes.length);
  if (bad >= 0) throw new RangeError(`${name}: label ${labels[bad]} at ${bad} ≥ ${classes.length} classes`);
  return { name, count, height, width, channels, pixels, labels, classes };
}

export function imageSize(set: ImageSet): number {
  return set.height * set.width * set.channels;
}

/** The images at `indices`, in that order (copies; repeats allowed). */
export function subset(set: ImageSet, indices: ArrayLike<number>, name = set.name): ImageSet {
  const size = imageSize(set);
  const pixels = new Uint8Array(indices.length * size);
  const labels = new Uint8Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    if (!Number.isInteger(i) || i < 0 || i >= set.count) throw new RangeError(`${set.name}: index ${i} out of range`);
    pixels.set(set.pixels.subarray(i * size, (i + 1) * size), k * size);
    labels[k] = set.labels[i];
  }
  return { ...set, name, count: indices.length, pixels, labels };
}

/** The first `n` images (views, no copy); n larger than the set is an error, not a silent truncation. */
export function takeFirst(set: ImageSet, n: number): ImageSet {
  if (!Number.isInteger(n) || n < 0 || n > set.count) throw new RangeError(`${set.name}: cannot take ${n} of ${set.count}`);
  const size = imageSize(set);
  return { ...set, count: n, pixels: set.pixels.subarray(0, n * size), labels: set.labels.subarray(0, n) };
}

/** Pixels scaled to [0, 1], same NHWC layout. */
export function toFloat(set: ImageSet): Float32Array {
  const out = new Float32Array(set.pixels.length);
  for (let i = 0; i < out.length; i++) out[i] = set.pixels[i] / 255;
  return out;
}

/** Number of images per class. */
export function labelHistogram(set: ImageSet): number[] {
  const counts = new Array<number>(set.classes.length).fill(0);
  for (const label of set.labels) counts[label]++;
  return counts;
}

/** A seeded Fisher–Yates permutation of 0..n-1 (seedrandom's ARC4, so identical on every platform). */
export function seededPermutation(n: number, seed: string | number): Uint32Array {
  const rng = seedrandom(String(seed));
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}

/**
 * `n` images drawn without replacement so that every class keeps its share of the set (largest-remainder
 * rounding), then shuffled: a small benign sample that still covers all classes, reproducible from `seed`.
 */
export function stratifiedSample(set: ImageSet, n: number, seed: string | number): ImageSet {
  if (!Number.isInteger(n) || n < 0 || n > set.count) throw new RangeError(`${set.name}: cannot sample ${n} of ${set.count}`);
  const byClass = indicesByClass(set, seed);
  const quotas = proportionalQuotas(byClass.map((ids) => ids.length), n);
  const chosen = byClass.flatMap((ids, c) => ids.slice(0, quotas[c]));
  const order = seededPermutation(chosen.length, `${seed}:order`);
  return subset(set, Array.from(order, (k) => chosen[k]), `${set.name}-sample${n}`);
}

/** Each class's image indices in a seeded random order. */
function indicesByClass(set: ImageSet, seed: string | number): number[][] {
  const byClass: number[][] = set.classes.map(() => []);
  for (const i of seededPermutation(set.count, seed)) byClass[set.labels[i]].push(i);
  return byClass;
}

/** Split n over groups proportionally to their sizes; remainders go to the largest fractional parts. */
function proportionalQuotas(sizes: number[], n: number): number[] {
  const total = sizes.reduce((a, b) => a + b, 0);
  const exact = sizes.map((s) => (total === 0 ? 0 : (s * n) / total));
  const quotas = exact.map(Math.floor);
  let left = n - quotas.reduce((a, b) => a + b, 0);
  const byFraction = exact.map((e, c) => ({ c, f: e - Math.floor(e) })).sort((a, b) => b.f - a.f || a.c - b.c);
  for (const { c } of byFraction) {
    if (left === 0) break;
    if (quotas[c] < sizes[c]) {
      quotas[c]++;
      left--;
    }
  }
  return quotas;
}
