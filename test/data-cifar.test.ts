import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  CIFAR10_CLASSES,
  CIFAR10_FOLDER,
  CIFAR10_MD5,
  CIFAR10_URL,
  cifarTrainFile,
  loadCifar10,
  parseCifarBatch,
  parseTar,
  type CifarOptions,
} from '../src/data/cifar.ts';
import { DataFormatError, DataUnavailableError, subset, type ImageSet } from '../src/data/dataset.ts';
import { encodeCifarBatch, encodeTar, makeSyntheticCifar, writeCifarBatch, writeCifarTarGz } from '../src/data/fixtures.ts';
import { loadDataset } from '../src/data/index.ts';

const RECORDS = 4; // per fixture batch file
const quiet: CifarOptions = { recordsPerBatch: RECORDS, log: () => {}, env: {} };

let dir: string;
let images: ImageSet; // 6 × RECORDS synthetic images: batches 1..5 then the test batch
let server: Server;
let baseUrl: string;
let archiveBytes: Uint8Array;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'purify-cifar-'));
  images = makeSyntheticCifar(6 * RECORDS, 3);
  archiveBytes = await archiveOf(join(dir, 'served.tar.gz'));
  server = createServer((req, res) => {
    if (req.url === '/good.tar.gz') res.end(archiveBytes);
    else if (req.url === '/garbage.tar.gz') res.end(Buffer.from('not the archive'));
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

/** The RECORDS images of batch b (1..5 train, 6 test). */
function batch(b: number): ImageSet {
  return subset(images, Array.from({ length: RECORDS }, (_, i) => (b - 1) * RECORDS + i));
}

function batchFiles(): Record<string, Uint8Array> {
  const files: Record<string, Uint8Array> = {};
  for (let b = 1; b <= 6; b++) {
    const name = b === 6 ? 'test_batch.bin' : cifarTrainFile(b);
    files[name] = encodeCifarBatch(batch(b).pixels, batch(b).labels);
  }
  return files;
}

async function writeBatchesFolder(folder: string): Promise<void> {
  await mkdir(folder, { recursive: true });
  for (const [name, bytes] of Object.entries(batchFiles())) await writeFile(join(folder, name), bytes);
}

async function archiveOf(path: string): Promise<Uint8Array> {
  const files = Object.fromEntries(Object.entries(batchFiles()).map(([name, bytes]) => [`${CIFAR10_FOLDER}/${name}`, bytes]));
  await writeCifarTarGz(path, { ...files, [`${CIFAR10_FOLDER}/batches.meta.txt`]: Buffer.from(CIFAR10_CLASSES.join('\n')) });
  return readFile(path);
}

async function fresh(name: string): Promise<string> {
  const folder = join(dir, name);
  await rm(folder, { recursive: true, force: true });
  return folder;
}

function expectSameImages(actual: ImageSet, expected: ImageSet[]): void {
  expect(actual.count).toBe(expected.length * RECORDS);
  expect(Array.from(actual.labels)).toEqual(expected.flatMap((s) => Array.from(s.labels)));
  expect(Buffer.from(actual.pixels).equals(Buffer.concat(expected.map((s) => s.pixels)))).toBe(true);
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: Error) => e,
  );
}

describe('CIFAR-10 batch format', () => {
  it('round-trips NHWC through the planar record layout', () => {
    const pixels = new Uint8Array(2 * 3072);
    pixels[(0 * 32 + 1) * 3 + 0] = 200; // image 0, row 0, column 1, red
    pixels[3072 + (2 * 32 + 3) * 3 + 2] = 99; // image 1, row 2, column 3, blue
    const bytes = encodeCifarBatch(pixels, Uint8Array.from([7, 2]));
    expect(bytes.length).toBe(2 * 3073);
    expect([bytes[0], bytes[1 + 1], bytes[3073]]).toEqual([7, 200, 2]);
    expect(bytes[3073 + 1 + 2048 + 2 * 32 + 3]).toBe(99);
    const parsed = parseCifarBatch(bytes, 'b.bin', null);
    expect(Array.from(parsed.labels)).toEqual([7, 2]);
    expect(Buffer.from(parsed.pixels).equals(pixels)).toBe(true);
  });

  it('rejects a size that is not a multiple of 3073, a label ≥ 10 and a wrong record count, naming the file', async () => {
    const folder = await fresh('corrupt');
    await writeBatchesFolder(folder);
    const testPath = join(folder, 'test_batch.bin');
    const good = batchFiles()['test_batch.bin'];
    const cases: [Uint8Array, RegExp][] = [
      [good.subarray(0, good.length - 5), /size 12287 bytes is not a multiple of the 3073-byte record .*3 records and 3068 stray bytes/],
      [Buffer.concat([Uint8Array.of(10), good.subarray(1)]), /record 0 has label 10, expected 0\.\.9/],
    ];
    for (const [bytes, pattern] of cases) {
      await writeFile(testPath, bytes);
      const err = await failure(loadCifar10({ ...quiet, dir: folder }));
      expect(err).toBeInstanceOf(DataFormatError);
      expect((err as DataFormatError).path).toBe(testPath);
      expect(err.message).toContain(testPath);
      expect(err.message).toMatch(pattern);
    }
    await writeFile(testPath, good);
    const wrongCount = await failure(loadCifar10({ ...quiet, recordsPerBatch: undefined, dir: folder }));
    expect(wrongCount).toBeInstanceOf(DataFormatError);
    expect(wrongCount.message).toMatch(/holds 4 records \(12292 bytes\), expected 10000 \(30730000 bytes\)/);
  });
});

describe('locating CIFAR-10', () => {
  it('via dir pointing at the batches folder itself, or at its parent; trainBatches limits the training set', async () => {
    const parent = await fresh('parent');
    const folder = join(parent, CIFAR10_FOLDER);
    await writeBatchesFolder(folder);
    for (const where of [folder, parent]) {
      const { train, test } = await loadCifar10({ ...quiet, dir: where });
      expect([train.name, train.height, train.width, train.channels, train.classes]).toEqual(['cifar10-train', 32, 32, 3, CIFAR10_CLASSES]);
      expectSameImages(train, [1, 2, 3, 4, 5].map(batch));
      expectSameImages(test, [batch(6)]);
    }
    const two = await loadCifar10({ ...quiet, dir: parent, trainBatches: 2 });
    expectSameImages(two.train, [batch(1), batch(2)]);
    await expect(loadCifar10({ ...quiet, dir: parent, trainBatches: 6 })).rejects.toThrow(RangeError);
  });

  it('via the CIFAR10_DIR environment variable (injected and real), ahead of the cache', async () => {
    const envDir = await fresh('from-env');
    await writeBatchesFolder(envDir);
    const cacheDir = join(dir, 'empty-cache');
    const injected = await loadCifar10({ ...quiet, env: { CIFAR10_DIR: envDir }, cacheDir });
    expectSameImages(injected.test, [batch(6)]);
    vi.stubEnv('CIFAR10_DIR', envDir);
    try {
      const real = await loadCifar10({ ...quiet, env: undefined, cacheDir });
      expectSameImages(real.test, [batch(6)]);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('via a cifar-10-binary.tar.gz in the cache folder, extracted once', async () => {
    const cacheDir = await fresh('cache-with-archive');
    await archiveOf(join(cacheDir, 'cifar-10-binary.tar.gz'));
    const lines: string[] = [];
    const first = await loadCifar10({ ...quiet, cacheDir, log: (l) => lines.push(l) });
    expectSameImages(first.train, [1, 2, 3, 4, 5].map(batch));
    expect(lines.some((l) => l.startsWith('extracting'))).toBe(true);
    const extracted = (await readdir(join(cacheDir, CIFAR10_FOLDER))).sort();
    expect(extracted).toContain('batches.meta.txt');
    expect(extracted.some((f) => f.endsWith('.partial'))).toBe(false);
    lines.length = 0;
    await loadCifar10({ ...quiet, cacheDir, log: (l) => lines.push(l) });
    expect(lines).toEqual([]); // second time: the extracted folder is found directly
  });

  it('names the missing batch files', async () => {
    const folder = await fresh('partial');
    await writeCifarBatch(join(folder, 'test_batch.bin'), batch(6).pixels, batch(6).labels);
    const err = await failure(loadCifar10({ ...quiet, dir: folder, trainBatches: 2 }));
    expect(err).toBeInstanceOf(DataUnavailableError);
    expect(err.message).toContain('lacks data_batch_1.bin, data_batch_2.bin');
  });
});

describe('when CIFAR-10 is absent', () => {
  function expectInstructions(err: Error, folder: string, url = CIFAR10_URL): void {
    expect(err).toBeInstanceOf(DataUnavailableError);
    for (const needle of [url, CIFAR10_MD5, folder, 'cifar-10-binary.tar.gz', `${CIFAR10_FOLDER}/`, 'data_batch_5.bin', 'test_batch.bin', 'CIFAR10_DIR', 'data.dir']) {
      expect(err.message).toContain(needle);
    }
  }

  it('without download: says which files to put where', async () => {
    const cacheDir = await fresh('absent');
    const err = await failure(loadCifar10({ ...quiet, cacheDir }));
    expectInstructions(err, cacheDir);
    expect(err.message).toContain('download is off');
    expect(existsSync(cacheDir)).toBe(false); // looked, touched nothing
  });

  it('unreachable host: DataUnavailableError with the instructions and the socket error', async () => {
    // Port 9 is refused by fetch itself ("bad port"); a just-closed port gives a real ECONNREFUSED.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const cases: [string, RegExp][] = [
      ['http://127.0.0.1:9/cifar-10-binary.tar.gz', /failed \(fetch failed: bad port\)/],
      [`http://127.0.0.1:${port}/cifar-10-binary.tar.gz`, /failed \(fetch failed: .*ECONNREFUSED/],
    ];
    for (const [url, why] of cases) {
      const folder = await fresh('unreachable');
      const err = await failure(loadCifar10({ ...quiet, dir: folder, download: true, url }));
      expectInstructions(err, folder, url);
      expect(err.message).toMatch(why);
      expect(await readdir(folder)).toEqual([]); // no partial download left behind
    }
  });

  it('HTTP error status: DataUnavailableError', async () => {
    const folder = await fresh('http404');
    const err = await failure(loadCifar10({ ...quiet, dir: folder, download: true, url: `${baseUrl}/missing.tar.gz` }));
    expect(err).toBeInstanceOf(DataUnavailableError);
    expect(err.message).toContain('HTTP 404');
  });

  it('checksum mismatch: rejected and the download deleted', async () => {
    const folder = await fresh('bad-md5');
    const err = await failure(loadCifar10({ ...quiet, dir: folder, download: true, url: `${baseUrl}/garbage.tar.gz` }));
    expect(err).toBeInstanceOf(DataFormatError);
    expect(err.message).toContain(`expected ${CIFAR10_MD5}`);
    expect(await readdir(folder)).toEqual([]);
  });

  it('download with a matching checksum: fetched, verified, extracted, loaded (also through loadDataset)', async () => {
    const folder = await fresh('download-ok');
    const md5 = createHash('md5').update(archiveBytes).digest('hex');
    const { train, test } = await loadDataset('cifar10', { ...quiet, dir: folder, download: true, url: `${baseUrl}/good.tar.gz`, md5 });
    expectSameImages(train, [1, 2, 3, 4, 5].map(batch));
    expectSameImages(test, [batch(6)]);
    expect((await readdir(folder)).sort()).toEqual(['cifar-10-batches-bin', 'cifar-10-binary.tar.gz']);
  });
});

describe('tar reader', () => {
  it('reads the ustar written by the fixture writer, long names included', () => {
    const long = `${'d'.repeat(80)}/${'f'.repeat(60)}.bin`;
    const entries = parseTar(encodeTar({ 'a/b.bin': Uint8Array.of(1, 2, 3), [long]: Uint8Array.of(9) }), 'x.tar');
    expect(entries.map((e) => [e.name, e.type, e.data.length])).toEqual([
      ['a/', 'directory', 0],
      [`${'d'.repeat(80)}/`, 'directory', 0],
      ['a/b.bin', 'file', 3],
      [long, 'file', 1],
    ]);
  });

  it('rejects a corrupt header and paths that escape the folder', () => {
    const tar = encodeTar({ 'a.bin': Uint8Array.of(1) });
    tar[0] ^= 1;
    expect(() => parseTar(tar, 'x.tar')).toThrow(/x\.tar: tar header at byte 0 has checksum/);
    expect(() => parseTar(encodeTar({ '../evil.bin': Uint8Array.of(1) }), 'y.tar')).toThrow(/points outside/);
  });
});
