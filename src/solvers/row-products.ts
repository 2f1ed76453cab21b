/**
 * Float64 matrix products whose every entry is a dot product of two contiguous rows:
 *
 *   C[p][q] = Σ_{t < len} X[xo[p] + t] · Y[yo[q] + t]
 *
 * (xo, yo: the offsets of the rows). Gram matrices (of rows of Q, or of the columns of A gathered into a panel)
 * and X·Mᵀ with M lower triangular (the Cholesky-QR step Q = A L⁻ᵀ) are all of this form. Why a kernel of its
 * own: these products are most of the solvers' float64 work (the basis of range(A), polish's least squares), and
 * one dot product per entry runs at ≈ 0.8 G multiply-adds/s in V8, load bound, 4×4 tiles of them over 256-long
 * blocks of t in scalar JS at ≈ 1.9, and the same tiles in WebAssembly SIMD (row-kernel.ts, kernels.wat) at ≈ 9.
 * The order of the additions differs from a single running sum, so results agree with it to rounding only.
 *
 * Large products are split by rows of C among helper threads (product-threads.ts)
 * on shared memory, with the same bits as one thread.
 */
import { computeRows, type RowProductJob, type RowProductShape } from './row-kernel.ts';
import { inThreads, productThreads } from './product-threads.ts';

export type { RowProductShape } from './row-kernel.ts';

/** C (xo.length × yo.length, row-major) as described in the module comment. */
export function rowProducts(
  X: Float64Array,
  xo: Int32Array,
  Y: Float64Array,
  yo: Int32Array,
  len: number,
  shape: RowProductShape = 'full',
): Float64Array {
  const threads = productThreads(multiplyAdds(xo.length, yo.length, len, shape));
  const size = xo.length * yo.length;
  const C = threads > 1 ? new Float64Array(new SharedArrayBuffer(8 * size)) : new Float64Array(size);
  const job: RowProductJob = { X, xo, Y, yo, len, shape, C, pStart: 0, pEnd: xo.length };
  if (threads > 1) inThreads(job, threads);
  else computeRows(job);
  if (shape === 'symmetric') mirror(job.C, xo.length);
  return job.C;
}

/** The upper triangle from the lower one. */
function mirror(C: Float64Array, P: number): void {
  for (let p = 0; p < P; p++) for (let q = p + 1; q < P; q++) C[p * P + q] = C[q * P + p];
}

/** Multiply-adds of a whole product (the triangular shapes do about half). */
function multiplyAdds(P: number, Qn: number, len: number, shape: RowProductShape): number {
  return (P * Qn * len) / (shape === 'full' ? 1 : 2);
}

/** Offsets 0, stride, 2·stride, … (the rows of a row-major matrix with `count` rows). */
export function strided(count: number, stride: number): Int32Array {
  return Int32Array.from({ length: count }, (_, i) => i * stride);
}

