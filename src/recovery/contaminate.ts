/**
 * Sparse contamination (RESEARCH.md §3): θ~ = θ_T + z with z nonzero on a random set of coordinates.
 * Works on the update: the recovery problem only ever sees b = θ~ − θ0 = Δ + z.
 */
import * as z from 'zod';
import type { Shape } from '../schema/define.ts';
import type { Subspace } from '../solvers/types.ts';
import { Rng } from '../util/rng.ts';

/** Where, how many and how large: the corruption keys every experiment kind shares. */
export const sparseCorruptionFields = {
  fraction: z.number().min(0).max(1).default(0.1).describe('ε, share of corrupted coordinates'),
  count: z.enum(['bernoulli', 'exact']).default('bernoulli').describe('independent coin per coordinate, or exactly round(εm)'),
  distribution: z.enum(['gaussian', 'uniform', 'constant']).default('gaussian').describe('shape of a corruption value: N(0, s²), magnitude uniform in [s/2, s], or magnitude s'),
  scale: z.number().gt(0).default(10).describe('size s of a corruption, in units of relativeTo'),
  relativeTo: z.enum(['update', 'params', 'absolute']).default('update').describe("unit of scale: RMS of the layer's θ_T − θ0, RMS of θ_T, or 1"),
};

/** The sign of the corruption: random, or aligned with a random vector of the subspace (the hardest for l1). */
export const corruptionSign = z.enum(['random', 'aligned']).default('random').describe('random signs or aligned with a subspace vector');

const spec = z.strictObject({ ...sparseCorruptionFields, sign: corruptionSign });
export type CorruptionSpec = Shape<typeof spec>;

export interface Contaminated {
  /** θ~ − θ0 = Δ + z, length m. */
  readonly b: Float64Array;
  /** Indices of the corrupted coordinates, increasing. */
  readonly corrupted: Int32Array;
}

export interface ContaminationScales {
  /** RMS of the training update Δ = θ_T − θ0. */
  readonly update: number;
  /** RMS of the trained parameters θ_T. */
  readonly params: number;
}

/**
 * Corrupt `delta` on a random subset of `eligible` coordinates (ε is the share of eligible ones hit).
 * `subspace` is needed only for `sign: aligned`, where signs follow a random vector A g of the subspace —
 * the sign pattern l1 decoding finds hardest, since its dual certificate must match it.
 */
export function contaminate(
  delta: Float64Array,
  spec: CorruptionSpec,
  eligible: { start: number; end: number },
  scales: ContaminationScales,
  rng: Rng,
  subspace?: Subspace,
): Contaminated {
  const size = eligible.end - eligible.start;
  const chosen = spec.count === 'exact' ? rng.choose(size, Math.round(spec.fraction * size)) : bernoulli(size, spec.fraction, rng);
  const corrupted = chosen.map((i) => i + eligible.start);
  const unit = spec.relativeTo === 'update' ? scales.update : spec.relativeTo === 'params' ? scales.params : 1;
  const s = spec.scale * unit;
  const signs = spec.sign === 'aligned' ? alignedSigns(subspace, corrupted, rng) : undefined;
  const b = Float64Array.from(delta);
  corrupted.forEach((index, t) => {
    const magnitude = spec.distribution === 'gaussian' ? Math.abs(rng.normal()) : spec.distribution === 'uniform' ? 0.5 + 0.5 * rng.uniform() : 1;
    const sign = signs ? signs[t] : rng.sign();
    b[index] += sign * magnitude * s;
  });
  return { b, corrupted };
}

function bernoulli(size: number, p: number, rng: Rng): Int32Array {
  const hits: number[] = [];
  for (let i = 0; i < size; i++) if (rng.uniform() < p) hits.push(i);
  return Int32Array.from(hits);
}

/** sign((A g)_i) for the corrupted rows i, g ~ N(0, I_n). */
function alignedSigns(subspace: Subspace | undefined, rows: Int32Array, rng: Rng): number[] {
  if (!subspace) throw new Error("contamination.sign 'aligned' needs the subspace");
  const g = rng.normals(subspace.n);
  return Array.from(rows, (i) => {
    let h = 0;
    for (let j = 0; j < subspace.n; j++) h += subspace.data[i * subspace.n + j] * g[j];
    return h >= 0 ? 1 : -1;
  });
}
