/**
 * Baseline: least-squares projection onto the subspace, delta = A A⁺ b = Q Qᵀ b (Q: orthonormal basis of range(A),
 * float64, cached per A.id). Batched: the problems sharing A are the rows of one [k, m] tensor and the projection is
 * two 2-D GEMMs on the device (float32). Exact when b ∈ range(A) (no contamination); any contamination leaks
 * into every coordinate.
 */
import * as tf from '@tensorflow/tfjs';
import * as z from 'zod';
import { defineSolver } from './define.ts';
import { assertBackend, checkBatchShape, groupBatch, l1Distance, orthonormalBasis, stackRows, TensorCache } from './linalg.ts';
import type { L1Problem, SolveResult, Solver } from './types.ts';

export function createL2(): Solver {
  const cache = new TensorCache();
  return {
    name: 'l2',
    async solve(problems: readonly L1Problem[]): Promise<SolveResult[]> {
      assertBackend('l2');
      checkBatchShape(problems);
      const t0 = performance.now();
      cache.newBatch();
      const results: (SolveResult | undefined)[] = new Array(problems.length);
      for (const { A, indices } of groupBatch(problems, results)) {
        const basis = orthonormalBasis(A);
        const bs = indices.map((k) => problems[k].b);
        const deltas = basis.r === 0 ? new Float32Array(bs.length * A.m) : await projectRows(cache, A.id, basis, bs);
        indices.forEach((k, j) => {
          const delta = Float64Array.from(deltas.subarray(j * A.m, (j + 1) * A.m));
          results[k] = { delta, status: 'converged', message: 'least-squares projection', iterations: 0, objective: l1Distance(problems[k].b, delta), solveMs: 0 };
        });
      }
      const ms = (performance.now() - t0) / Math.max(1, problems.length);
      return results.map((r) => ({ ...r!, solveMs: ms }));
    },
    dispose: () => cache.dispose(),
  };
}

/** (B Q) Qᵀ for the row-stacked b's. */
async function projectRows(cache: TensorCache, id: string, basis: { Q: Float64Array; m: number; r: number }, bs: Float64Array[]) {
  const { X: Q, Xt: Qt } = cache.get(id, () => ({ X: basis.Q, rows: basis.m, cols: basis.r }));
  const D = tf.tidy(() => tf.matMul(tf.matMul(tf.tensor2d(stackRows(bs, basis.m), [bs.length, basis.m]), Q), Qt));
  const out = (await D.data()) as Float32Array;
  D.dispose();
  return out;
}

export const l2 = defineSolver('l2', 'baseline: least-squares projection onto the subspace', z.strictObject({}), createL2);
