/**
 * The kernel of row-products.ts: rows [pStart, pEnd) of C[p][q] = Σ_{t < len} X[xo[p] + t] · Y[yo[q] + t], in 4×4
 * register tiles (16 independent sums fed by 8 loads per step) over 256-long blocks of t, which stay in the L1
 * cache. Pure: the main thread and the helper threads run the same code on shared memory.
 */

/** Length of the t blocks: 8 rows × 256 float64 = 16 KiB of operands per tile, within L1. */
const BLOCK = 256;
/** Rows of Y per panel (a multiple of 4). */
const ROWS = 64;

/** Which entries of C to compute. */
export type RowProductShape =
  /** every C[p][q], t < len */
  | 'full'
  /** X = Y, xo = yo: the lower triangle (q ≤ p), mirrored */
  | 'symmetric'
  /** Y's rows are those of a lower triangular matrix (zero beyond the diagonal): t ≤ q suffices */
  | 'lower-triangular';

/** A product, or the rows [pStart, pEnd) of it (pStart a multiple of 4), written into C. */
export interface RowProductJob {
  readonly X: Float64Array;
  readonly xo: Int32Array;
  readonly Y: Float64Array;
  readonly yo: Int32Array;
  readonly len: number;
  readonly shape: RowProductShape;
  readonly C: Float64Array;
  readonly pStart: number;
  readonly pEnd: number;
}

/**
 * The rows [pStart, pEnd) of C. Each entry is summed in the same order whichever rows a call covers (its own
 * tile's sums, over the t blocks in turn), so splitting C's rows among threads gives the same bits as one call.
 */
export function computeRows({ X, xo, Y, yo, len, shape, C, pStart, pEnd }: RowProductJob): void {
  const P = xo.length;
  const Qn = yo.length;
  for (let t0 = 0; t0 < len; t0 += BLOCK) {
    const t1 = Math.min(len, t0 + BLOCK);
    // Y's rows in panels of ROWS, so that a panel's block (128 KiB) stays in L2 while every X tile passes it.
    for (let qb = 0; qb < Qn; qb += ROWS) {
      const qbEnd = Math.min(Qn, qb + ROWS);
      for (let p0 = shape === 'symmetric' ? Math.max(pStart, qb - (qb % 4)) : pStart; p0 < pEnd; p0 += 4) {
        const qEnd = shape === 'symmetric' ? Math.min(qbEnd, p0 + 4) : qbEnd;
        for (let q0 = qb; q0 < qEnd; q0 += 4) {
          // Rows of a triangular Y are zero beyond q0 + 3: skip the blocks past it.
          const end = shape === 'lower-triangular' ? Math.min(t1, q0 + 4) : t1;
          if (end > t0) tile(X, xo, Y, yo, p0, q0, P, Qn, Math.min(P, pEnd), t0, end, C);
        }
      }
    }
  }
}

/**
 * One 4×4 tile of C, accumulated over t ∈ [t0, t1). Rows past the end of X or Y repeat the tile's first row
 * (computed, not stored), so the loop body has no branches; rows from pLimit on are not this call's.
 */
function tile(
  X: Float64Array,
  xo: Int32Array,
  Y: Float64Array,
  yo: Int32Array,
  p0: number,
  q0: number,
  P: number,
  Qn: number,
  pLimit: number,
  t0: number,
  t1: number,
  C: Float64Array,
): void {
  const a0 = xo[p0];
  const a1 = p0 + 1 < pLimit ? xo[p0 + 1] : a0;
  const a2 = p0 + 2 < pLimit ? xo[p0 + 2] : a0;
  const a3 = p0 + 3 < pLimit ? xo[p0 + 3] : a0;
  const c0 = yo[q0];
  const c1 = q0 + 1 < Qn ? yo[q0 + 1] : c0;
  const c2 = q0 + 2 < Qn ? yo[q0 + 2] : c0;
  const c3 = q0 + 3 < Qn ? yo[q0 + 3] : c0;
  let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
  let s20 = 0, s21 = 0, s22 = 0, s23 = 0, s30 = 0, s31 = 0, s32 = 0, s33 = 0;
  for (let t = t0; t < t1; t++) {
    const x0 = X[a0 + t], x1 = X[a1 + t], x2 = X[a2 + t], x3 = X[a3 + t];
    const y0 = Y[c0 + t], y1 = Y[c1 + t], y2 = Y[c2 + t], y3 = Y[c3 + t];
    s00 += x0 * y0; s01 += x0 * y1; s02 += x0 * y2; s03 += x0 * y3;
    s10 += x1 * y0; s11 += x1 * y1; s12 += x1 * y2; s13 += x1 * y3;
    s20 += x2 * y0; s21 += x2 * y1; s22 += x2 * y2; s23 += x2 * y3;
    s30 += x3 * y0; s31 += x3 * y1; s32 += x3 * y2; s33 += x3 * y3;
  }
  store(C, Qn, pLimit, p0, q0, s00, s01, s02, s03);
  store(C, Qn, pLimit, p0 + 1, q0, s10, s11, s12, s13);
  store(C, Qn, pLimit, p0 + 2, q0, s20, s21, s22, s23);
  store(C, Qn, pLimit, p0 + 3, q0, s30, s31, s32, s33);
}

/** Adds one row of a tile into C, skipping the rows and columns past its end. */
function store(C: Float64Array, Qn: number, pLimit: number, p: number, q0: number, v0: number, v1: number, v2: number, v3: number): void {
  if (p >= pLimit) return;
  const o = p * Qn + q0;
  C[o] += v0;
  if (q0 + 1 < Qn) C[o + 1] += v1;
  if (q0 + 2 < Qn) C[o + 2] += v2;
  if (q0 + 3 < Qn) C[o + 3] += v3;
}
