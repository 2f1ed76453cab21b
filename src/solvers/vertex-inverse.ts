/**
 * The linear algebra of one active-set descent (active-set.ts), in the WebAssembly SIMD kernels' memory: the
 * basis Q (m×r, held column-major for the edge directions w = Q d and row-major for c's updates), M = Q_Z⁻¹ (r×r)
 * of the current vertex, and c = Σ sign_i q_i over the rows off Z. Kernels: the choice of a starting Z
 * (Gram–Schmidt), Gauss–Jordan inversion, Sherman–Morrison row replacement, the dual estimate −Mᵀc, the line
 * search's breakpoints, and each step's pass over the residual (move, signs, c).
 *
 * Every result has the bits of the scalar loops these kernels replaced (kernels.wat says why). M's rows are
 * padded to rs = a multiple of 8 doubles with zeros, which every kernel keeps zero.
 */
import { kernels, pushFrame, type Frame } from './wasm-kernels.ts';

/** The arrays of the frame, in order. */
const At = {
  /** Q column-major, rows padded to m8 */
  Qc: 0,
  /** Q_Z⁻¹, r rows of rs */
  M: 1,
  /** Gauss–Jordan's copy of Q_Z; before it, Gram–Schmidt's orthonormalised rows */
  Scratch: 2,
  /** a kernel's input vector (rs) */
  In: 3,
  /** a kernel's output vector (m8 ≥ rs) */
  Out: 4,
  /** Sherman–Morrison's column (rs) */
  Col: 5,
  /** the last edge direction w (m8) */
  W: 6,
  /** the residual, copied in for a line search or a step (m) */
  Res: 7,
  /** a line search's breakpoints τ, their weights, their rows (m each) */
  Taus: 8,
  Weights: 9,
  Rows: 10,
  /** the line search's slope and total weight */
  Sums: 11,
  /** Q row-major, rows padded to rs (for c's updates) */
  Qr: 12,
  /** c = Σ sign_i q_i over the rows off Z (rs) */
  C: 13,
  /** membership of Z and the signs of the residual, a byte per row */
  InZ: 14,
  Signs: 15,
  /** the weighted median's 32 samples */
  Sample: 16,
} as const;

/** The breakpoints of a line search (views of the kernels' memory: valid until a frame is pushed). */
export interface Breakpoints {
  readonly count: number;
  /** τ_j = res/w of row rows[j], weight 2|w| (τ > 0), in the first `count` entries; reordered by the search. */
  readonly taus: Float64Array;
  readonly weights: Float64Array;
  readonly rows: Float64Array;
  /** slope0 plus |w_i| of the rows off Z with zero residual. */
  readonly slope: number;
  /** The breakpoints' total weight. */
  readonly total: number;
}

export class VertexAlgebra {
  readonly rs: number;
  private readonly m8: number;
  private readonly frame: Frame;

  constructor(
    private readonly Q: Float64Array,
    private readonly m: number,
    private readonly r: number,
  ) {
    this.rs = 8 * Math.ceil(r / 8);
    this.m8 = 8 * Math.ceil(m / 8);
    const rs = this.rs;
    this.frame = pushFrame([this.m8 * r, r * rs, r * rs, rs, Math.max(this.m8, rs), rs, this.m8, m, m, m, m, 2, m * rs, rs, this.m8 / 8, this.m8 / 8, 32]);
  }

  /** Q is copied in (column-major, and row-major padded to rs) on first use: a descent that its start ends needs neither. */
  private held = false;

  private hold(): void {
    const { Q, m, r, m8, rs } = this;
    const Qc = this.frame.view(At.Qc);
    for (let a = 0; a < r; a++) {
      const col = a * m8;
      for (let i = 0; i < m; i++) Qc[col + i] = Q[i * r + a];
      Qc.fill(0, col + m, col + m8);
    }
    const Qr = this.frame.view(At.Qr);
    Qr.fill(0);
    for (let i = 0; i < m; i++) Qr.set(Q.subarray(i * r, i * r + r), i * rs);
    this.held = true;
  }

  /**
   * Signs of the residual off Z (0 in Z and within tol) and c = Σ sign_i q_i, from scratch (after a refresh of
   * the residual); the dual estimate reads c.
   */
  resign(res: Float64Array, inZ: Uint8Array, tol: number): void {
    this.frame.view(At.C).fill(0);
    this.frame.bytes(At.Signs).fill(0);
    this.run(res, inZ, 0, -1, tol, 0);
  }

  /**
   * A step of length τ along the last edge w: res_i −= τ w_i off Z but for the row that left (the caller has set
   * the memberships and the two rows' residuals), and the signs and c brought up to date in the same pass.
   */
  advance(res: Float64Array, inZ: Uint8Array, tau: number, leaving: number, tol: number): void {
    this.run(res, inZ, tau, leaving, tol, 1);
    res.set(this.frame.view(At.Res));
  }

  private run(res: Float64Array, inZ: Uint8Array, tau: number, leaving: number, tol: number, move: number): void {
    if (!this.held) this.hold();
    const { frame, m, rs } = this;
    frame.view(At.Res).set(res);
    frame.bytes(At.InZ).set(inZ);
    const o = frame.offsets;
    kernels().advance(o[At.Res], o[At.W], o[At.InZ], o[At.Signs], o[At.Qr], o[At.C], m, rs, tau, leaving, tol, move);
  }

  /** M = Q_Z⁻¹ (rows of rs doubles; column t belongs to the t-th row of Z). A view: valid until a frame is pushed. */
  inverse(): Float64Array {
    return this.frame.view(At.M);
  }

  /**
   * r rows of Q taken from `order` in turn, each kept when at least 1e-3 of its norm is outside the span of the
   * rows kept before (modified Gram–Schmidt on the rows); undefined when fewer than r qualify.
   */
  independentRows(order: Iterable<number>): Int32Array | undefined {
    const { r, Q } = this;
    const [, , ep, xp] = this.frame.offsets; // the orthonormalised kept rows (r apart) in Scratch, the candidate in In
    const Z = new Int32Array(r);
    let kept = 0;
    for (const i of order) {
      const x = this.frame.view(At.In);
      let norm0 = 0;
      for (let a = 0; a < r; a++) {
        x[a] = Q[i * r + a];
        norm0 += x[a] * x[a];
      }
      if (norm0 === 0) continue;
      const norm = kernels().orthogonalize(ep, xp, kept, r);
      if (norm < 1e-6 * norm0) continue;
      const scale = 1 / Math.sqrt(norm);
      const E = this.frame.view(At.Scratch);
      for (let a = 0; a < r; a++) E[kept * r + a] = x[a] * scale;
      Z[kept++] = i;
      if (kept === r) return Z;
    }
    return undefined;
  }

  /** M ← Q_Z⁻¹ by Gauss–Jordan with partial pivoting; false (M unusable) when Q_Z is singular. */
  invert(Z: Int32Array): boolean {
    const { r, rs, Q } = this;
    const A = this.frame.view(At.Scratch);
    const M = this.frame.view(At.M);
    A.fill(0);
    M.fill(0);
    for (let t = 0; t < r; t++) {
      A.set(Q.subarray(Z[t] * r, Z[t] * r + r), t * rs);
      M[t * rs + t] = 1;
    }
    return kernels().invert(this.frame.offsets[At.Scratch], this.frame.offsets[At.M], r, rs) === 1;
  }

  /** Q x, a new array (length m; the bits of linalg.ts's matVec). */
  times(x: Float64Array): Float64Array {
    const y = new Float64Array(this.m);
    this.edge(x, y);
    return y;
  }

  /** w = Q d (length m); kept as the edge of the next line search. */
  edge(d: Float64Array, w: Float64Array): void {
    if (!this.held) this.hold();
    this.frame.view(At.In).set(d);
    const { offsets } = this.frame;
    kernels().matvec(offsets[At.Qc], offsets[At.In], offsets[At.W], this.m8, this.r);
    w.set(this.frame.view(At.W).subarray(0, this.m));
  }

  /**
   * The breakpoints of the line search along the last edge w (active-set.ts lineSearch): rows off Z with w_i ≠ 0;
   * a residual within tol adds |w_i| to the slope (from slope0), else a breakpoint τ = res_i/w_i when it is ahead.
   */
  breakpoints(res: Float64Array, Z: Int32Array, tol: number, slope0: number): Breakpoints {
    const { frame, m } = this;
    const W = frame.view(At.W);
    for (let t = 0; t < Z.length; t++) W[Z[t]] = 0; // rows of Z are not breakpoints
    frame.view(At.Res).set(res);
    const o = frame.offsets;
    const count = kernels().breakpoints(o[At.Res], o[At.W], m, tol, slope0, o[At.Taus], o[At.Weights], o[At.Rows], o[At.Sums]);
    const sums = frame.view(At.Sums);
    return { count, taus: frame.view(At.Taus), weights: frame.view(At.Weights), rows: frame.view(At.Rows), slope: sums[0], total: sums[1] };
  }

  /**
   * The position, among the last breakpoints (reordered), of the smallest τ at which the weights of the breakpoints
   * up to it reach `need`: the exact minimum along the edge (a weighted median, by quickselect, looking first among
   * the few smallest breakpoints when `need` is a small share of the total). −1 when the weights never reach it.
   */
  firstReaching(count: number, need: number, total: number): number {
    const o = this.frame.offsets;
    return kernels().firstReaching(o[At.Taus], o[At.Weights], o[At.Rows], count, need, total, o[At.Sample]);
  }

  /** y = −Mᵀ c for the c of the last resign/advance (the vertex's dual estimate on Z, length r); returns ||y||∞. */
  dual(y: Float64Array): number {
    const { offsets } = this.frame;
    kernels().vecmat(offsets[At.M], offsets[At.C], offsets[At.Out], this.r, this.rs);
    return negated(this.frame.view(At.Out), y);
  }

  /** y = −Mᵀ c for a given c (length r); returns ||y||∞. */
  dualOf(c: Float64Array, y: Float64Array): number {
    return negated(this.vecMat(c), y);
  }

  /** M after row t of Q_Z is replaced by row k of Q:  M ← M − (M e_t)(q_kᵀ M − e_tᵀ) / pivot, pivot = q_kᵀ M e_t. */
  replace(k: number, t: number, pivot: number): void {
    const { r, rs, Q } = this;
    const u = this.vecMat(Q.subarray(k * r, k * r + r));
    u[t] -= 1;
    const M = this.frame.view(At.M);
    const col = this.frame.view(At.Col);
    for (let a = 0; a < r; a++) col[a] = M[a * rs + t] / pivot;
    const [, mp, , , up, colp] = this.frame.offsets;
    kernels().rank1(mp, colp, up, r, rs);
  }

  release(): void {
    this.frame.release();
  }

  /** xᵀ M (x of length r) in the frame's output vector, returned as a view of its first rs entries. */
  private vecMat(x: Float64Array): Float64Array {
    const input = this.frame.view(At.In);
    input.set(x);
    input.fill(0, x.length);
    const [, mp, , xp, yp] = this.frame.offsets;
    kernels().vecmat(mp, xp, yp, this.r, this.rs);
    return this.frame.view(At.Out).subarray(0, this.rs);
  }
}

/** y = −u on the first y.length entries; returns ||y||∞. */
function negated(u: Float64Array, y: Float64Array): number {
  let worst = 0;
  for (let t = 0; t < y.length; t++) {
    y[t] = -u[t];
    worst = Math.max(worst, Math.abs(u[t]));
  }
  return worst;
}
