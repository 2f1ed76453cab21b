/**
 * The subspaces the clean training update lies in (RESEARCH.md §2), as m×n matrices whose n columns are
 * indexed by the training inputs.
 *
 *   A_W (hidden layer):  column s = ∇_(W,b) f(x_s) at θ0 = stack over units j of (a_j/r) Σ_i D0[s,i,j] (x_s^(i), 1)
 *                        rows ordered [vec(W) row-major (p·k), b (p)]; 'hidden-w' / 'hidden-b' keep one block.
 *   A_β (output layer):  column s = Φ(x_s), Φ_j(x) = (1/r) Σ_i relu(w_j·x^(i) + b_j)
 *   Gaussian ablation:   i.i.d. N(0, 1) entries, same shape: the setting of the l1 theory curve.
 */
import * as tf from '@tensorflow/tfjs';
import type { Subspace } from '../../solvers/types.ts';
import { assertFiniteArray } from '../../util/finite.ts';
import { Rng } from '../../util/rng.ts';
import { features } from './cnn.ts';
import type { RecoveryConfig } from './schema.ts';

export type RecoveredLayer = RecoveryConfig['layer'];

/** A_W (or one of its blocks) as an [m, n] tensor, from the gates G [n, r, p] and output weights a [p]. */
export function hiddenSubspace(P: tf.Tensor3D, a: tf.Tensor1D, G: tf.Tensor3D, layer: Exclude<RecoveredLayer, 'output'>): tf.Tensor2D {
  return tf.tidy(() => {
    const [n, r, k] = P.shape;
    const p = a.shape[0];
    const unitScale = a.div(r); // a_j / r
    const parts: tf.Tensor2D[] = [];
    if (layer !== 'hidden-b') {
      const C = tf.matMul(G.transpose([0, 2, 1]), P); // [n, p, k]: Σ_i D[s,i,j] x_s^(i)
      parts.push(C.mul(unitScale.reshape([1, p, 1])).reshape([n, p * k]));
    }
    if (layer !== 'hidden-w') parts.push(G.sum(1).mul(unitScale) as tf.Tensor2D); // [n, p]: Σ_i D[s,i,j]
    return tf.concat(parts, 1).transpose() as tf.Tensor2D;
  });
}

/** A_β = Φᵀ as an [p, n] tensor, at the hidden layer (W, b). */
export function outputSubspace(P: tf.Tensor3D, W: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D {
  return tf.tidy(() => features(P, W, b).transpose() as tf.Tensor2D);
}

/** Number of recovered coordinates m for a layer of a width-p network with patch size k. */
export function layerSize(layer: RecoveredLayer, width: number, patchSize: number): number {
  switch (layer) {
    case 'hidden':
      return width * (patchSize + 1);
    case 'hidden-w':
      return width * patchSize;
    case 'hidden-b':
    case 'output':
      return width;
  }
}

/** Gaussian ablation: A with i.i.d. N(0, 1) entries. */
export function gaussianSubspaceData(seed: number, m: number, n: number): Float32Array {
  return Float32Array.from(Rng.stream(seed, 'gaussian-subspace').normals(m * n));
}

/** Download an [m, n] tensor into the solver's Subspace form, refusing NaN/Inf where they would enter. */
export async function toSubspace(A: tf.Tensor2D, id: string): Promise<Subspace> {
  const data = (await A.data()) as Float32Array;
  assertFiniteArray(data, `subspace ${id}`);
  return { id, m: A.shape[0], n: A.shape[1], data };
}
