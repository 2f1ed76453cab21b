/**
 * Test fixtures: writers that produce small files in the exact on-disk formats the loaders read (IDX, CIFAR-10
 * binary batches, the gzipped ustar archive), and tiny synthetic image sets that are learnable, so tests can run
 * end to end without the real data.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { gzipSync } from 'node:zlib';
import seedrandom from 'seedrandom';
import { makeImageSet, seededPermutation, type ImageSet } from './dataset.ts';
import { encodeIdx } from './idx.ts';
import { CIFAR10_CLASSES, CIFAR10_PIXELS, CIFAR10_RECORD, CIFAR10_SIDE } from './cifar.ts';
import { MNIST_CLASSES } from './mnist.ts';

export interface GzipOption {
  readonly gzip?: boolean;
}

async function writeBytes(path: string, bytes: Uint8Array, gzip = false): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, gzip ? gzipSync(bytes) : bytes);
}

/** An IDX3 unsigned-byte image file (magic 0x00000803) of count × h × w. */
export async function writeIdxImages(path: string, images: Uint8Array, count: number, h: number, w: number, opts: GzipOption = {}): Promise<void> {
  await writeBytes(path, encodeIdx([count, h, w], images), opts.gzip);
}

/** An IDX1 unsigned-byte label file (magic 0x00000801). */
export async function writeIdxLabels(path: string, labels: Uint8Array, opts: GzipOption = {}): Promise<void> {
  await writeBytes(path, encodeIdx([labels.length], labels), opts.gzip);
}

/** A CIFAR-10 binary batch: per image 1 label byte then planar R, G, B planes (input is NHWC 32×32×3). */
export async function writeCifarBatch(path: string, pixelsNHWC: Uint8Array, labels: Uint8Array): Promise<void> {
  await writeBytes(path, encodeCifarBatch(pixelsNHWC, labels));
}

export function encodeCifarBatch(pixelsNHWC: Uint8Array, labels: Uint8Array): Uint8Array {
  if (pixelsNHWC.length !== labels.length * CIFAR10_PIXELS) {
    throw new RangeError(`${pixelsNHWC.length} pixel bytes for ${labels.length} CIFAR images`);
  }
  const plane = CIFAR10_SIDE * CIFAR10_SIDE;
  const out = new Uint8Array(labels.length * CIFAR10_RECORD);
  labels.forEach((label, r) => {
    const record = r * CIFAR10_RECORD;
    out[record] = label;
    for (let c = 0; c < 3; c++) {
      for (let p = 0; p < plane; p++) out[record + 1 + c * plane + p] = pixelsNHWC[r * CIFAR10_PIXELS + p * 3 + c];
    }
  });
  return out;
}

/**
 * A gzipped POSIX ustar archive holding `files` (archive path → bytes), with directory entries for their
 * folders, as `tar czf` would write, e.g. {'cifar-10-batches-bin/test_batch.bin': bytes}.
 */
export async function writeCifarTarGz(path: string, files: Readonly<Record<string, Uint8Array>>): Promise<void> {
  await writeBytes(path, encodeTar(files), true);
}

export function encodeTar(files: Readonly<Record<string, Uint8Array>>): Uint8Array {
  const folders = new Set<string>();
  for (const name of Object.keys(files)) {
    const parts = name.split('/').slice(0, -1);
    parts.forEach((_, i) => folders.add(`${parts.slice(0, i + 1).join('/')}/`));
  }
  const blocks: Uint8Array[] = [];
  for (const folder of folders) blocks.push(tarHeader(folder, 0, '5'));
  for (const [name, data] of Object.entries(files)) {
    blocks.push(tarHeader(name, data.length, '0'), data, new Uint8Array((512 - (data.length % 512)) % 512));
  }
  blocks.push(new Uint8Array(1024)); // two zero blocks end the archive
  return Buffer.concat(blocks);
}

function tarHeader(name: string, size: number, type: '0' | '5'): Uint8Array {
  const header = new Uint8Array(512);
  const put = (text: string, at: number) => header.set(Buffer.from(text, 'utf8'), at);
  const { prefix, base } = splitTarName(name);
  put(base, 0);
  put(type === '5' ? '0000755\0' : '0000644\0', 100);
  put('0000000\0', 108); // uid
  put('0000000\0', 116); // gid
  put(`${size.toString(8).padStart(11, '0')}\0`, 124);
  put(`${Math.floor(Date.UTC(2009, 5, 4) / 1000).toString(8).padStart(11, '0')}\0`, 136);
  put('        ', 148); // checksum field counts as spaces while summing
  put(type, 156);
  put('ustar\0' + '00', 257);
  put(prefix, 345);
  const sum = header.reduce((a, b) => a + b, 0);
  put(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return header;
}

/** ustar keeps names ≤ 100 bytes, with up to 155 more in `prefix` split at a '/'. */
function splitTarName(name: string): { prefix: string; base: string } {
  if (Buffer.byteLength(name) <= 100) return { prefix: '', base: name };
  const cut = name.lastIndexOf('/', name.length - 2);
  if (cut <= 0 || cut > 155 || Buffer.byteLength(name.slice(cut + 1)) > 100) throw new RangeError(`tar name too long: ${name}`);
  return { prefix: name.slice(0, cut), base: name.slice(cut + 1) };
}

// ---- synthetic, learnable image sets ----

/** Labels 0..9 in equal shares (±1), in a seeded order. */
function balancedLabels(count: number, seed: string): Uint8Array {
  const labels = new Uint8Array(count);
  seededPermutation(count, seed).forEach((slot, i) => (labels[slot] = i % 10));
  return labels;
}

/**
 * 28×28 grey "digits": class c is a stroke at angle c·18° (±6° jitter), shifted by up to ±2 px, with random
 * length, thickness and ink, plus sparse background noise; classes 5..9 also get a blob at one end of the stroke.
 * A nearest-class-mean classifier fitted on 500 of them gets ≈ 88 % of fresh ones right (chance: 10 %), so
 * they are learnable but not trivially separable.
 */
export function makeSyntheticDigits(count: number, seed: string | number = 0): ImageSet {
  const rng = seedrandom(`synthetic-digits:${seed}`);
  const labels = balancedLabels(count, `synthetic-digits-labels:${seed}`);
  const side = 28;
  const pixels = new Uint8Array(count * side * side);
  for (let i = 0; i < count; i++) {
    drawStroke(pixels.subarray(i * side * side, (i + 1) * side * side), side, labels[i], rng);
  }
  return makeImageSet({ name: `synthetic-digits-${seed}`, count, height: side, width: side, channels: 1, pixels, labels, classes: MNIST_CLASSES });
}

function drawStroke(image: Uint8Array, side: number, label: number, rng: () => number): void {
  const angle = (label * Math.PI) / 10 + (rng() - 0.5) * 0.2;
  const [dx, dy] = [Math.cos(angle), Math.sin(angle)];
  const cx = side / 2 + (rng() - 0.5) * 4;
  const cy = side / 2 + (rng() - 0.5) * 4;
  const half = 7 + rng() * 2;
  const thickness = 1 + rng() * 0.6;
  const ink = 180 + rng() * 75;
  const blob = label >= 5 ? { x: cx + dx * half, y: cy + dy * half, r: 2.5 } : null;
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const t = Math.max(-half, Math.min(half, (x - cx) * dx + (y - cy) * dy));
      const dist = Math.hypot(x - (cx + t * dx), y - (cy + t * dy));
      let v = Math.max(0, Math.min(1, thickness + 0.5 - dist));
      if (blob) v = Math.max(v, Math.max(0, Math.min(1, blob.r + 0.5 - Math.hypot(x - blob.x, y - blob.y))));
      const noise = rng() < 0.05 ? rng() * 40 : 0;
      image[y * side + x] = Math.min(255, Math.round(v * ink + noise));
    }
  }
}

/**
 * 32×32 RGB images with CIFAR-10's shape and class names: class c is a filled square of a class colour at a
 * class-dependent position (±2 px jitter) on a noisy grey background.
 */
export function makeSyntheticCifar(count: number, seed: string | number = 0): ImageSet {
  const rng = seedrandom(`synthetic-cifar:${seed}`);
  const labels = balancedLabels(count, `synthetic-cifar-labels:${seed}`);
  const pixels = new Uint8Array(count * CIFAR10_PIXELS);
  for (let i = 0; i < count; i++) drawSquare(pixels.subarray(i * CIFAR10_PIXELS, (i + 1) * CIFAR10_PIXELS), labels[i], rng);
  return makeImageSet({ name: `synthetic-cifar-${seed}`, count, height: 32, width: 32, channels: 3, pixels, labels, classes: CIFAR10_CLASSES });
}

function drawSquare(image: Uint8Array, label: number, rng: () => number): void {
  const hue = (label * 2 * Math.PI) / 10;
  const colour = [0, 2, 4].map((k) => Math.round(127 + 120 * Math.cos(hue - (k * Math.PI) / 3)));
  const x0 = 4 + (label % 5) * 4 + Math.round((rng() - 0.5) * 4);
  const y0 = 4 + Math.floor(label / 5) * 12 + Math.round((rng() - 0.5) * 4);
  for (let y = 0; y < 32; y++) {
    for (let x = 0; x < 32; x++) {
      const inside = x >= x0 && x < x0 + 10 && y >= y0 && y < y0 + 10;
      for (let c = 0; c < 3; c++) {
        const base = inside ? colour[c] : 100;
        image[(y * 32 + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(base + (rng() - 0.5) * 40)));
      }
    }
  }
}
