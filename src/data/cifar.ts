/**
 * CIFAR-10, binary version (https://www.cs.toronto.edu/~kriz/cifar.html): `cifar-10-batches-bin/` holds
 * data_batch_1.bin … data_batch_5.bin (training) and test_batch.bin, each 10,000 records of 1 label byte and
 * 3,072 pixel bytes (the 1,024 red, then green, then blue values of a row-major 32×32 image).
 *
 * No npm package ships the images, and this project's build machines reach only the npm registry, so the data
 * is located on disk (opts.dir, else env CIFAR10_DIR, else the cache ~/.cache/purify-cnn/cifar10), accepting
 * the batches folder, its parent, or a parent holding the original cifar-10-binary.tar.gz (extracted on first
 * use). With `download: true` the archive is fetched into that folder and its published MD5 checked. When the
 * data cannot be had, DataUnavailableError says exactly what to put where.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, normalize, isAbsolute } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { DataFormatError, DataUnavailableError, makeImageSet, type ImageSet, type ImageSplit } from './dataset.ts';
import { allInOrder } from '../util/all-in-order.ts';

export const CIFAR10_URL = 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz';
export const CIFAR10_MD5 = 'c32a1d4ab5d03f1284b67883e8d87530';
export const CIFAR10_ARCHIVE = 'cifar-10-binary.tar.gz';
export const CIFAR10_FOLDER = 'cifar-10-batches-bin';
export const CIFAR10_ENV = 'CIFAR10_DIR';
export const CIFAR10_CLASSES: readonly string[] = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
];
export const CIFAR10_SIDE = 32;
export const CIFAR10_PIXELS = CIFAR10_SIDE * CIFAR10_SIDE * 3;
export const CIFAR10_RECORD = 1 + CIFAR10_PIXELS;
export const CIFAR10_RECORDS_PER_BATCH = 10000;
export const CIFAR10_TRAIN_BATCHES = 5;
export const CIFAR10_TEST_FILE = 'test_batch.bin';

export function cifarTrainFile(batch: number): string {
  return `data_batch_${batch}.bin`;
}

export interface CifarOptions {
  /** Where the data is (batches folder, its parent, or a folder with the .tar.gz). Overrides CIFAR10_DIR. */
  readonly dir?: string;
  /** Fetch the archive when absent (default false: never touch the network unless asked). */
  readonly download?: boolean;
  /** How many of the 5 training batches to load (default 5 = 50,000 images). */
  readonly trainBatches?: number;
  /** Archive URL (tests point it at a local or unreachable host). */
  readonly url?: string;
  /** Expected MD5 of the downloaded archive. */
  readonly md5?: string;
  /** Default folder when neither `dir` nor CIFAR10_DIR is set. */
  readonly cacheDir?: string;
  /** Environment to read CIFAR10_DIR from (default process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Records each batch file must hold (default 10000; null accepts any, for small fixtures). */
  readonly recordsPerBatch?: number | null;
  /** Progress lines for the download and extraction (default: stderr). */
  readonly log?: (line: string) => void;
}

export interface CifarBatch {
  readonly count: number;
  /** count × 32 × 32 × 3, NHWC. */
  readonly pixels: Uint8Array;
  readonly labels: Uint8Array;
}

/** Where we look, and why there (named in error messages). */
interface Place {
  readonly root: string;
  readonly source: string;
}

export function defaultCifarCacheDir(): string {
  return join(homedir(), '.cache', 'purify-cnn', 'cifar10');
}

export async function loadCifar10(opts: CifarOptions = {}): Promise<ImageSplit> {
  const trainBatches = opts.trainBatches ?? CIFAR10_TRAIN_BATCHES;
  if (!Number.isInteger(trainBatches) || trainBatches < 1 || trainBatches > CIFAR10_TRAIN_BATCHES) {
    throw new RangeError(`trainBatches must be 1..${CIFAR10_TRAIN_BATCHES}, got ${trainBatches}`);
  }
  const folder = await locateOrFetch(opts);
  const missing = neededFiles(trainBatches).filter((file) => !existsSync(join(folder, file)));
  if (missing.length > 0) {
    throw new DataUnavailableError(instructions(opts, choosePlace(opts), `${folder} lacks ${missing.join(', ')}`), 'cifar10');
  }
  const records = opts.recordsPerBatch === undefined ? CIFAR10_RECORDS_PER_BATCH : opts.recordsPerBatch;
  const trainFiles = Array.from({ length: trainBatches }, (_, i) => join(folder, cifarTrainFile(i + 1)));
  const [train, test] = await allInOrder([
    readBatches(trainFiles, records, 'cifar10-train'),
    readBatches([join(folder, CIFAR10_TEST_FILE)], records, 'cifar10-test'),
  ]);
  return { train, test };
}

function neededFiles(trainBatches: number): string[] {
  return [...Array.from({ length: trainBatches }, (_, i) => cifarTrainFile(i + 1)), CIFAR10_TEST_FILE];
}

/** The batches folder: found under the chosen place, extracted from an archive there, or downloaded into it. */
export async function locateOrFetch(opts: CifarOptions): Promise<string> {
  const place = choosePlace(opts);
  const found = await locateIn(place.root, opts);
  if (found) return found;
  if (!opts.download) {
    throw new DataUnavailableError(instructions(opts, place, 'not found and download is off (download: false)'), 'cifar10');
  }
  const archive = join(place.root, CIFAR10_ARCHIVE);
  await downloadArchive(opts, place, archive);
  return extractArchive(archive, place.root, opts);
}

function choosePlace(opts: CifarOptions): Place {
  if (opts.dir !== undefined) return { root: opts.dir, source: 'the dir option / config data.dir' };
  const fromEnv = (opts.env ?? process.env)[CIFAR10_ENV];
  if (fromEnv) return { root: fromEnv, source: `environment variable ${CIFAR10_ENV}` };
  return { root: opts.cacheDir ?? defaultCifarCacheDir(), source: 'the default cache' };
}

/** Accept the batches folder itself, its parent, or a parent holding the archive (extracted now). */
async function locateIn(root: string, opts: CifarOptions): Promise<string | null> {
  if (looksLikeBatches(root)) return root;
  const nested = join(root, CIFAR10_FOLDER);
  if (looksLikeBatches(nested)) return nested;
  const archive = join(root, CIFAR10_ARCHIVE);
  if (existsSync(archive)) return extractArchive(archive, root, opts);
  return null;
}

function looksLikeBatches(dir: string): boolean {
  return existsSync(join(dir, CIFAR10_TEST_FILE)) || existsSync(join(dir, cifarTrainFile(1)));
}

function instructions(opts: CifarOptions, place: Place, reason: string): string {
  const url = opts.url ?? CIFAR10_URL;
  const md5 = opts.md5 ?? CIFAR10_MD5;
  const batches = `${join(place.root, CIFAR10_FOLDER)}/`;
  return [
    `CIFAR-10 is unavailable: ${reason}.`,
    `Looked in ${place.root} (from ${place.source}) for ${CIFAR10_FOLDER}/, its files, or ${CIFAR10_ARCHIVE}.`,
    `To provide it: download ${url} (MD5 ${md5}, about 170 MB) and either put ${CIFAR10_ARCHIVE} into ${place.root}`,
    `(it is extracted on first use), or extract it so that ${batches} holds ${neededFiles(CIFAR10_TRAIN_BATCHES).join(', ')}`,
    `(${(CIFAR10_RECORDS_PER_BATCH * CIFAR10_RECORD).toLocaleString('en-US')} bytes each).`,
    `To use another folder, set the environment variable ${CIFAR10_ENV}=<folder> or the config key data.dir.`,
  ].join('\n');
}

async function downloadArchive(opts: CifarOptions, place: Place, archive: string): Promise<void> {
  const url = opts.url ?? CIFAR10_URL;
  const md5 = (opts.md5 ?? CIFAR10_MD5).toLowerCase();
  const log = opts.log ?? defaultLog;
  const partial = `${archive}.partial`;
  await mkdir(place.root, { recursive: true });
  log(`downloading ${url} → ${archive}`);
  let digest: string;
  try {
    digest = await fetchToFile(url, partial);
  } catch (err) {
    await rm(partial, { force: true });
    const why = `download from ${url} failed (${describe(err)})`;
    throw new DataUnavailableError(instructions(opts, place, why), 'cifar10', { cause: err });
  }
  if (digest !== md5) {
    await rm(partial, { force: true });
    throw new DataFormatError(archive, `downloaded from ${url} with MD5 ${digest}, expected ${md5}; the corrupt download was deleted`);
  }
  await rename(partial, archive);
}

/** Stream the response to `target`, hashing as it goes; returns the hex MD5. */
async function fetchToFile(url: string, target: string): Promise<string> {
  const response = await fetch(url);
  if (!response.ok || !response.body) throw new Error(`HTTP ${response.status} ${response.statusText}`);
  const hash = createHash('md5');
  const body = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
  await pipeline(
    body,
    async function* (source: AsyncIterable<Uint8Array>) {
      for await (const chunk of source) {
        hash.update(chunk);
        yield chunk;
      }
    },
    createWriteStream(target),
  );
  return hash.digest('hex');
}

/** Node's fetch hides the socket error (ECONNREFUSED, ENOTFOUND) in `cause`; surface it. */
function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return `${err.message}${cause}`;
}

function defaultLog(line: string): void {
  process.stderr.write(`[cifar10] ${line}\n`);
}

/** Extract the archive's files into `root` and return the batches folder it creates. */
async function extractArchive(archive: string, root: string, opts: CifarOptions): Promise<string> {
  (opts.log ?? defaultLog)(`extracting ${archive} → ${root}`);
  const entries = await readTarGz(archive);
  for (const entry of entries) await writeEntry(root, entry);
  const folder = join(root, CIFAR10_FOLDER);
  if (!looksLikeBatches(folder)) {
    throw new DataFormatError(archive, `archive holds no ${CIFAR10_FOLDER}/${CIFAR10_TEST_FILE} (entries: ${entries.map((e) => e.name).slice(0, 8).join(', ')})`);
  }
  return folder;
}

/** Write via a temporary name so an interrupted extraction never leaves a plausible-looking partial batch. */
async function writeEntry(root: string, entry: TarEntry): Promise<void> {
  const target = join(root, entry.name);
  if (entry.type === 'directory') {
    await mkdir(target, { recursive: true });
    return;
  }
  if (entry.type !== 'file') return;
  await mkdir(dirname(target), { recursive: true });
  await writeFile(`${target}.partial`, entry.data);
  await rename(`${target}.partial`, target);
}

// ---- batch files ----

async function readBatches(paths: string[], records: number | null, name: string): Promise<ImageSet> {
  const batches = await allInOrder(paths.map(async (path) => parseCifarBatch(await readFile(path), path, records)));
  const count = batches.reduce((sum, b) => sum + b.count, 0);
  const pixels = new Uint8Array(count * CIFAR10_PIXELS);
  const labels = new Uint8Array(count);
  let offset = 0;
  for (const batch of batches) {
    pixels.set(batch.pixels, offset * CIFAR10_PIXELS);
    labels.set(batch.labels, offset);
    offset += batch.count;
  }
  return makeImageSet({ name, count, height: CIFAR10_SIDE, width: CIFAR10_SIDE, channels: 3, pixels, labels, classes: CIFAR10_CLASSES });
}

/** Decode one batch file: validate its size and labels, and turn the planar RGB records into NHWC. */
export function parseCifarBatch(bytes: Uint8Array, path: string, expectedRecords: number | null = CIFAR10_RECORDS_PER_BATCH): CifarBatch {
  if (bytes.length % CIFAR10_RECORD !== 0) {
    const whole = Math.floor(bytes.length / CIFAR10_RECORD);
    const stray = bytes.length % CIFAR10_RECORD;
    throw new DataFormatError(path, `size ${bytes.length} bytes is not a multiple of the ${CIFAR10_RECORD}-byte record (1 label + 3072 pixels): ${whole} records and ${stray} stray bytes`);
  }
  const count = bytes.length / CIFAR10_RECORD;
  if (expectedRecords !== null && count !== expectedRecords) {
    throw new DataFormatError(path, `holds ${count} records (${bytes.length} bytes), expected ${expectedRecords} (${expectedRecords * CIFAR10_RECORD} bytes)`);
  }
  const pixels = new Uint8Array(count * CIFAR10_PIXELS);
  const labels = new Uint8Array(count);
  for (let r = 0; r < count; r++) {
    const record = r * CIFAR10_RECORD;
    const label = bytes[record];
    if (label >= CIFAR10_CLASSES.length) throw new DataFormatError(path, `record ${r} has label ${label}, expected 0..9`);
    labels[r] = label;
    planarToInterleaved(bytes, record + 1, pixels, r * CIFAR10_PIXELS);
  }
  return { count, pixels, labels };
}

const PLANE = CIFAR10_SIDE * CIFAR10_SIDE;

function planarToInterleaved(src: Uint8Array, from: number, dst: Uint8Array, to: number): void {
  for (let c = 0; c < 3; c++) {
    for (let p = 0; p < PLANE; p++) dst[to + p * 3 + c] = src[from + c * PLANE + p];
  }
}

// ---- a minimal tar reader (ustar, GNU long names, pax paths): enough for the CIFAR archive, no dependency ----

export interface TarEntry {
  readonly name: string;
  readonly type: 'file' | 'directory' | 'other';
  readonly data: Uint8Array;
}

const BLOCK = 512;

export async function readTarGz(path: string): Promise<TarEntry[]> {
  const compressed = await readFile(path);
  let tar: Uint8Array;
  try {
    tar = await promisify(gunzip)(compressed);
  } catch (err) {
    throw new DataFormatError(path, `not a valid .tar.gz (${(err as Error).message})`);
  }
  return parseTar(tar, path);
}

export function parseTar(tar: Uint8Array, path: string): TarEntry[] {
  const entries: TarEntry[] = [];
  let longName: string | undefined;
  for (let offset = 0; offset + BLOCK <= tar.length; ) {
    const header = tar.subarray(offset, offset + BLOCK);
    if (header.every((b) => b === 0)) break; // end-of-archive marker
    checkTarChecksum(header, path, offset);
    const size = octal(header, 124, 12);
    const typeFlag = String.fromCharCode(header[156] || 0x30);
    const data = tar.subarray(offset + BLOCK, offset + BLOCK + size);
    if (data.length < size) throw new DataFormatError(path, `tar truncated inside an entry at byte ${offset}`);
    offset += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    if (typeFlag === 'L') longName = cString(data, 0, data.length);
    else if (typeFlag === 'x') longName = paxPath(data) ?? longName;
    else if (typeFlag !== 'g') {
      entries.push({ name: safeName(longName ?? headerName(header), path), type: entryType(typeFlag), data });
      longName = undefined;
    }
  }
  return entries;
}

function entryType(flag: string): TarEntry['type'] {
  if (flag === '0' || flag === '7') return 'file';
  return flag === '5' ? 'directory' : 'other';
}

function headerName(header: Uint8Array): string {
  const name = cString(header, 0, 100);
  // Only POSIX ustar ("ustar\0") has a name prefix at 345; old GNU tar ("ustar  ") keeps timestamps there.
  const isPosix = cString(header, 257, 6) === 'ustar';
  const prefix = isPosix ? cString(header, 345, 155) : '';
  return prefix ? `${prefix}/${name}` : name;
}

function checkTarChecksum(header: Uint8Array, path: string, offset: number): void {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i];
  const stored = octal(header, 148, 8);
  if (stored !== sum) throw new DataFormatError(path, `tar header at byte ${offset} has checksum ${stored}, computed ${sum}`);
}

function octal(bytes: Uint8Array, start: number, length: number): number {
  const text = cString(bytes, start, length).trim();
  return text === '' ? 0 : parseInt(text, 8);
}

function cString(bytes: Uint8Array, start: number, length: number): string {
  const field = bytes.subarray(start, start + length);
  const end = field.indexOf(0);
  return Buffer.from(end < 0 ? field : field.subarray(0, end)).toString('utf8');
}

/** pax extended header records are "<len> key=value\n"; only `path` matters here. */
function paxPath(data: Uint8Array): string | undefined {
  const match = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(Buffer.from(data).toString('utf8'));
  return match?.[1];
}

/** Refuse entries that would be written outside the target folder. */
function safeName(name: string, path: string): string {
  const clean = normalize(name);
  if (isAbsolute(clean) || clean.split(/[\\/]/).includes('..')) {
    throw new DataFormatError(path, `tar entry '${name}' points outside the extraction folder`);
  }
  return clean;
}
