/**
 * The backbone checkpoint format (docs/practical.md §5, "Checkpoint files"): one folder per backbone, named by the
 * hash of the config that trained it, holding
 *
 *   backbone.json   what it is: format and version, id, the training config, every tensor's name, shape and
 *                   place in weights.bin, weights.bin's size and SHA-256, and how the pretraining went;
 *   weights.bin     the tensors' float32 values, little-endian, laid end to end in the order backbone.json lists.
 *
 * Loading checks the format, the size and the SHA-256 and that every value is finite, so a truncated or edited
 * file is refused, never half-used. Values are stored as the float32 bits tfjs holds, so a loaded checkpoint is
 * bit-identical to the saved one (tested). A folder is written under a temporary name and renamed into place, so a
 * reader never sees half of one, and two processes saving the same backbone at once leave one whole copy.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import * as z from 'zod';
import { writeAtomic } from '../util/atomic.ts';

export const CHECKPOINT_FORMAT = 'purify-cnn/backbone';
export const CHECKPOINT_VERSION = 1;

const TensorEntry = z.strictObject({
  name: z.string().min(1),
  shape: z.array(z.int().min(1)),
  /** First float32 element in weights.bin. */
  offset: z.int().min(0),
});

/** backbone.json. */
export const CheckpointMeta = z.strictObject({
  format: z.literal(CHECKPOINT_FORMAT),
  version: z.literal(CHECKPOINT_VERSION),
  id: z.string().min(1),
  /** The config that trained it (the id is its hash). */
  config: z.record(z.string(), z.unknown()),
  tensors: z.array(TensorEntry),
  weights: z.strictObject({ file: z.literal('weights.bin'), bytes: z.int().min(0), sha256: z.string().regex(/^[0-9a-f]{64}$/) }),
  /** How it was made (informative; not checked). */
  pretraining: z.record(z.string(), z.unknown()),
});
export type CheckpointMeta = z.output<typeof CheckpointMeta>;

export interface Checkpoint {
  readonly meta: CheckpointMeta;
  /** Tensor values by name, in the order of meta.tensors. */
  readonly tensors: ReadonlyMap<string, { readonly shape: readonly number[]; readonly values: Float32Array }>;
}

export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

/** Where backbones are cached: $PURIFY_CNN_CACHE/backbones, else ~/.cache/purify-cnn/backbones (beside the CIFAR-10 cache). */
export function backboneCacheDir(): string {
  const root = process.env.PURIFY_CNN_CACHE || join(homedir(), '.cache', 'purify-cnn');
  return join(root, 'backbones');
}

/** The folder of the checkpoint with this id. */
export function checkpointDir(id: string, cacheDir = backboneCacheDir()): string {
  return join(cacheDir, id);
}

/** Write a checkpoint folder atomically (see the module comment); returns its path. */
export function saveCheckpoint(
  dir: string,
  header: Pick<CheckpointMeta, 'id' | 'config' | 'pretraining'>,
  tensors: readonly { readonly name: string; readonly shape: readonly number[]; readonly values: Float32Array }[],
): string {
  const total = tensors.reduce((s, t) => s + t.values.length, 0);
  const all = new Float32Array(total);
  const entries: z.output<typeof TensorEntry>[] = [];
  let offset = 0;
  for (const t of tensors) {
    if (t.values.length !== t.shape.reduce((a, b) => a * b, 1)) throw new CheckpointError(`tensor ${t.name}: ${t.values.length} values for shape [${t.shape.join(', ')}]`);
    all.set(t.values, offset);
    entries.push({ name: t.name, shape: [...t.shape], offset });
    offset += t.values.length;
  }
  const bytes = littleEndianBytes(all);
  const meta: CheckpointMeta = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    ...header,
    tensors: entries,
    weights: { file: 'weights.bin', bytes: bytes.length, sha256: sha256(bytes) },
  };
  const tmp = `${dir}.tmp-${hostname()}-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    writeAtomic(join(tmp, 'weights.bin'), bytes);
    writeAtomic(join(tmp, 'backbone.json'), `${JSON.stringify(meta, null, 2)}\n`);
    if (existsSync(dir)) rmSync(tmp, { recursive: true, force: true }); // another process saved it first: same bits
    else renameSync(tmp, dir);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  return dir;
}

/** Read and check a checkpoint folder; throws CheckpointError naming the file and what is wrong. */
export function loadCheckpoint(dir: string): Checkpoint {
  const metaPath = join(dir, 'backbone.json');
  const weightsPath = join(dir, 'weights.bin');
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(metaPath, 'utf8'));
  } catch (err) {
    throw new CheckpointError(`${metaPath}: cannot be read as JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const parsed = CheckpointMeta.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CheckpointError(`${metaPath}: ${issue.path.join('.') || '(top level)'}: ${issue.message} (expected a ${CHECKPOINT_FORMAT} version ${CHECKPOINT_VERSION} header)`);
  }
  const meta = parsed.data;
  if (!existsSync(weightsPath)) throw new CheckpointError(`${weightsPath} is missing`);
  const bytes = readFileSync(weightsPath);
  if (bytes.length !== meta.weights.bytes) throw new CheckpointError(`${weightsPath}: ${bytes.length} bytes, backbone.json says ${meta.weights.bytes}`);
  if (sha256(bytes) !== meta.weights.sha256) throw new CheckpointError(`${weightsPath}: SHA-256 differs from backbone.json's (the file was changed or damaged)`);
  const all = float32FromLittleEndian(bytes);
  const tensors = new Map<string, { shape: readonly number[]; values: Float32Array }>();
  for (const t of meta.tensors) {
    const length = t.shape.reduce((a, b) => a * b, 1);
    if (t.offset + length > all.length) throw new CheckpointError(`${metaPath}: tensor ${t.name} runs past the end of weights.bin`);
    const values = all.slice(t.offset, t.offset + length);
    if (!values.every(Number.isFinite)) throw new CheckpointError(`${weightsPath}: tensor ${t.name} holds NaN or Inf`);
    tensors.set(t.name, { shape: t.shape, values });
  }
  return { meta, tensors };
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function littleEndianBytes(values: Float32Array): Uint8Array {
  const bytes = new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
  if (!LITTLE_ENDIAN) swapWords(bytes);
  return bytes;
}

function float32FromLittleEndian(bytes: Uint8Array): Float32Array {
  if (bytes.length % 4 !== 0) throw new CheckpointError(`weights.bin holds ${bytes.length} bytes, not a whole number of float32 values`);
  const copy = Uint8Array.from(bytes);
  if (!LITTLE_ENDIAN) swapWords(copy);
  return new Float32Array(copy.buffer);
}

function swapWords(bytes: Uint8Array): void {
  for (let i = 0; i < bytes.length; i += 4) {
    [bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]] = [bytes[i + 3], bytes[i + 2], bytes[i + 1], bytes[i]];
  }
}
