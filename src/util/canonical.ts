/** Canonical JSON (sorted keys) and the stable hashes built on it: the identity of configs, cells and trials. */
import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every depth, so equal values always give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}

/** Short hex digest of the canonical form. */
export function stableHash(value: unknown, length = 16): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, length);
}

/**
 * A 32-bit seed derived from the experiment seed and named parts. Seeds depend only on what a trial *is*
 * (its parameters), never on when or where it runs, so order, parallelism and resumption cannot change results.
 */
export function deriveSeed(base: number, parts: unknown): number {
  const digest = createHash('sha256').update(canonicalJson({ base, parts })).digest();
  return digest.readUInt32BE(0);
}
