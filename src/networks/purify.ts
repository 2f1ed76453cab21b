/**
 * Purifying one dense layer (RESEARCH.md §4, practical variant): each row j of the layer is one l1 problem
 *
 *     u^_j = argmin_u || (θ~_j − θ0_j) − A u ||_1,     A = [(h(x_1), 1) … (h(x_n), 1)]   (m = in + 1 rows, n columns)
 *
 * with h the layer's inputs on the benign inputs x_s. All rows of a layer share A (one Subspace object, one id),
 * so batched solvers factor it once. The variants turn the recovered update Δ^ into the purified layer:
 *
 *   project          θ^ = θ0 + Δ^ everywhere;
 *   detect-replace   flag coordinates whose residual |b − Δ^| exceeds threshold · RMS(Δ^) and replace only those;
 *                    the others keep their (possibly corrupted, but then only slightly) value.
 */
import * as tf from '@tensorflow/tfjs';
import { rms } from '../recovery/measure.ts';
import type { L1Problem, SolveResult, Subspace } from '../solvers/types.ts';
import { assertFiniteArray } from '../util/finite.ts';
import { augment } from './network.ts';
import type { PurificationConfig } from './schema.ts';

/** The subspace of a dense layer: (h(x_s), 1) of the benign inputs as columns, downloaded once. */
export async function layerSubspace(inputs: tf.Tensor2D, id: string): Promise<Subspace> {
  const At = tf.tidy(() => augment(inputs).transpose() as tf.Tensor2D);
  const data = (await At.data()) as Float32Array;
  const [m, n] = At.shape;
  At.dispose();
  // NaN/Inf would enter every problem of the layer: refuse it here, where it can be named.
  assertFiniteArray(data, `subspace ${id}`);
  return { id, m, n, data };
}

/** One problem per row of the contaminated update b (rows × m, row-major). */
export function rowProblems(A: Subspace, b: Float64Array): L1Problem[] {
  const rows = b.length / A.m;
  if (!Number.isInteger(rows)) throw new RangeError(`layer update of length ${b.length} is not a multiple of m = ${A.m}`);
  return Array.from({ length: rows }, (_, j) => ({ A, b: b.subarray(j * A.m, (j + 1) * A.m) }));
}

export interface PurifiedLayer {
  /** Purified update θ^ − θ0 (rows × m). */
  readonly update: Float64Array;
  /** 1 where |θ~ − θ^| exceeded the threshold. */
  readonly flagged: Uint8Array;
  /** Worst solver status over the rows ('failed' > 'max_iterations' > 'converged' > 'optimal'). */
  readonly status: SolveResult['status'];
  readonly message?: string;
  readonly iterations: number | null;
  readonly solveMs: number;
}

const STATUS_RANK: Record<SolveResult['status'], number> = { optimal: 0, converged: 1, max_iterations: 2, failed: 3 };

/** Assemble a layer from its rows' solver results and apply the purification variant. */
export function purifyLayer(b: Float64Array, results: readonly SolveResult[], spec: Pick<PurificationConfig, 'variant' | 'threshold'>): PurifiedLayer {
  const m = b.length / results.length;
  const recovered = new Float64Array(b.length);
  results.forEach((r, j) => recovered.set(r.delta, j * m));
  const worst = results.reduce((w, r) => (STATUS_RANK[r.status] > STATUS_RANK[w.status] ? r : w), results[0]);
  const failed = worst.status === 'failed';
  const cut = spec.threshold * rms(recovered);
  const flagged = new Uint8Array(b.length);
  const update = failed ? Float64Array.from(b) : new Float64Array(b.length);
  if (!failed) {
    for (let i = 0; i < b.length; i++) {
      flagged[i] = Math.abs(b[i] - recovered[i]) > cut ? 1 : 0;
      update[i] = spec.variant === 'project' || flagged[i] ? recovered[i] : b[i];
    }
  }
  const iterations = results.map((r) => r.iterations).filter((x): x is number => typeof x === 'number');
  return {
    update,
    flagged,
    status: worst.status,
    ...(worst.message ? { message: worst.message } : {}),
    iterations: iterations.length ? Math.max(...iterations) : null,
    solveMs: results.reduce((s, r) => s + r.solveMs, 0),
  };
}

/** The layer a trial's status comes from: a failed one, else one that hit its iteration cap, else the first. */
export function worstLayer(layers: readonly PurifiedLayer[]): PurifiedLayer {
  return layers.find((p) => p.status === 'failed') ?? layers.find((p) => p.status === 'max_iterations') ?? layers[0];
}
