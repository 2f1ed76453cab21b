/**
 * The kernel of row-products.ts: rows [pStart, pEnd) of C[p][q] = Σ_{t < len} X[xo[p] + t] · Y[yo[q] + t], in 4×4
 * tiles over 256-long blocks of t, computed by the WebAssembly SIMD kernel `tiles` (kernels.wat) on operands
 * packed into its memory: for each chunk of CHUNK rows of X and each block of t, the chunk's rows and Y's rows
 * are copied there four rows interleaved (the kernel's two-lane loads then read two columns of a tile at once).
 * Pure: the main thread and the helper threads run the same code on shared memory.
 */
import { pushFrame, kernels } from './wasm-kernels.ts';

/** Length of the t blocks: 8 rows × 256 float64 = 16 KiB of operands per tile, within L1. */
const BLOCK = 256;
/** Tiles of Y (4 rows each) per panel: a panel's block (64 rows, 128 KiB) stays in L2 while the chunk's tiles pass it. */
const PANEL_TILES = 16;
/**
 * Rows of X per chunk (a multiple of 4). Y is packed once per chunk and block, so larger chunks copy it less often;
 * the chunk's C (CHUNK × Y's rows) and X block (CHUNK × BLOCK) live in the kernel's memory.
 */
const CHUNK = 1024;

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
 * tile's sums, over the t blocks in turn, added into C), so splitting C's rows among threads gives the same bits
 * as one call; and the same bits as the scalar 4×4 tiles this kernel replaced (kernels.wat says why).
 */
export function computeRows(job: RowProductJob): void {
  const { pStart, pEnd } = job;
  for (let c0 = pStart; c0 < pEnd; c0 += CHUNK) computeChunk(job, c0, Math.min(pEnd, c0 + CHUNK));
}

/** Rows [c0, c1) of C (c0 a multiple of 4). */
function computeChunk({ X, xo, Y, yo, len, shape, C }: RowProductJob, c0: number, c1: number): void {
  const { tiles } = kernels();
  const Qn = yo.length;
  const pTiles = Math.ceil((c1 - c0) / 4);
  const firstTile = c0 / 4;
  // A symmetric product needs Y's rows up to the chunk's last row only (q ≤ p).
  const qTiles = shape === 'symmetric' ? Math.min(Math.ceil(Qn / 4), firstTile + pTiles) : Math.ceil(Qn / 4);
  const cs = 4 * Math.ceil(Qn / 4); // C's row stride in the kernel's memory
  const frame = pushFrame([4 * pTiles * BLOCK, 4 * qTiles * BLOCK, 4 * pTiles * cs]);
  try {
    const [xp, yp, cp] = frame.offsets;
    frame.view(2).fill(0);
    for (let t0 = 0; t0 < len; t0 += BLOCK) {
      const n = Math.min(BLOCK, len - t0);
      pack(frame.view(0), X, xo, c0, Math.min(c1, xo.length), pTiles, t0, n);
      pack(frame.view(1), Y, yo, 0, Math.min(Qn, 4 * qTiles), qTiles, t0, n);
      for (let qb = 0; qb < qTiles; qb += PANEL_TILES) {
        const qbEnd = Math.min(qTiles, qb + PANEL_TILES);
        if (shape === 'full') tiles(xp, yp, cp, 0, pTiles, qb, qbEnd, n, BLOCK, cs);
        else if (shape === 'symmetric') {
          // tiles on or below the diagonal: q-tile ≤ p-tile
          for (let pt = Math.max(0, qb - firstTile); pt < pTiles; pt++) tiles(xp, yp, cp, pt, pt + 1, qb, Math.min(qbEnd, firstTile + pt + 1), n, BLOCK, cs);
        } else {
          // rows of a lower triangular Y are zero beyond the diagonal: q-tile qt needs t < 4·qt + 4
          for (let qt = qb; qt < qbEnd; qt++) {
            const end = Math.min(n, 4 * qt + 4 - t0);
            if (end > 0) tiles(xp, yp, cp, 0, pTiles, qt, qt + 1, end, BLOCK, cs);
          }
        }
      }
    }
    const sums = frame.view(2);
    for (let p = c0; p < c1; p++) C.set(sums.subarray((p - c0) * cs, (p - c0) * cs + Qn), p * Qn);
  } finally {
    frame.release();
  }
}

/**
 * Rows [from, to) of S (row k starting at S[so[k]]), t ∈ [t0, t0 + n), into `dst` four rows interleaved:
 * element (tile, t, j) at (tile · BLOCK + t) · 4 + j. Rows past `to` in the last tile are zeros.
 */
function pack(dst: Float64Array, S: Float64Array, so: Int32Array, from: number, to: number, tileCount: number, t0: number, n: number): void {
  for (let tile = 0; tile < tileCount; tile++) {
    for (let j = 0; j < 4; j++) {
      const row = from + 4 * tile + j;
      let o = tile * BLOCK * 4 + j;
      if (row >= to) {
        for (let t = 0; t < n; t++, o += 4) dst[o] = 0;
        continue;
      }
      const src = so[row] + t0;
      for (let t = 0; t < n; t++, o += 4) dst[o] = S[src + t];
    }
  }
}
