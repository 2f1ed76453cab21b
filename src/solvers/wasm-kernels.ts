/**
 * The WebAssembly SIMD kernels of kernels.wat, one instance per thread, and scratch space in its memory.
 *
 * Operands are copied (packed) into the instance's memory, the kernel runs there, results are copied out: the
 * copies are O(size) against the kernels' O(size · length) work. Scratch space is a stack of frames: a caller
 * pushes the arrays it needs, and releases them in reverse order (a descent keeps its frame while polish,
 * called from it, pushes and releases its own above). Growing the memory detaches every view of it, so views
 * are made from a frame when they are used (`frame.view(k)`), never kept across a call that may push a frame.
 */
import { KERNELS_WASM_BASE64 } from './kernels-wasm.ts';

interface KernelExports {
  readonly memory: WebAssembly.Memory;
  /** Packed 4×4 tiles of C += X·Yᵀ over a block of t (see kernels.wat). Offsets in bytes. */
  tiles(xp: number, yp: number, cp: number, pt0: number, pt1: number, qt0: number, qt1: number, len: number, B: number, cs: number): void;
  /** y = Qc x for a column-major Qc (m8 rows, a multiple of 8; r columns). Offsets in bytes. */
  matvec(qp: number, xp: number, yp: number, m8: number, r: number): void;
  /** y = xᵀ M for M with r rows of rs (a multiple of 8) doubles. */
  vecmat(mp: number, xp: number, yp: number, r: number, rs: number): void;
  /** M −= col uᵀ (r rows of rs). */
  rank1(mp: number, colp: number, up: number, r: number, rs: number): void;
  /** inv ← A⁻¹ by Gauss–Jordan (inv holds I on entry, A is destroyed); 0 when A is singular, else 1. */
  invert(ap: number, ip: number, r: number, rs: number): number;
  /** x −= (e·x) e for E's first `kept` rows (r doubles each) in order; returns ||x||². */
  orthogonalize(ep: number, xp: number, kept: number, r: number): number;
  /** A line search's breakpoints (kernels.wat); returns their number, writes the slope and total weight to out. */
  breakpoints(resp: number, wp: number, m: number, tol: number, slope0: number, tp: number, gp: number, ip: number, outp: number): number;
  /** A descent step on the residual, its signs and c = Σ sign_i q_i (kernels.wat). */
  advance(resp: number, wp: number, zp: number, sp: number, qp: number, cp: number, m: number, rs: number, tau: number, leaving: number, tol: number, move: number): void;
  /** The line search's weighted median among p breakpoints (kernels.wat); −1 when the weights never reach need. */
  firstReaching(tp: number, gp: number, ip: number, p: number, need: number, total: number, sp: number): number;
}

let instance: KernelExports | undefined;
/** Bytes of the memory in use by frames. */
let top = 0;
/** How often the memory has grown (each time detaches every view of it). */
let grown = 0;

/** This thread's kernels (compiled on first use: ≈ 1 KB, synchronous). */
export function kernels(): KernelExports {
  if (!instance) {
    const module = new WebAssembly.Module(Buffer.from(KERNELS_WASM_BASE64, 'base64'));
    const { exports } = new WebAssembly.Instance(module);
    const missing = (what: string) => new Error(`src/solvers/kernels-wasm.ts lacks ${what}: regenerate it with npm run build:wasm`);
    const kernel = (name: string): Function => {
      const f = exports[name];
      if (typeof f !== 'function') throw missing(`the kernel '${name}'`);
      return f;
    };
    const { memory } = exports;
    if (!(memory instanceof WebAssembly.Memory)) throw missing('its memory');
    const names = ['tiles', 'matvec', 'vecmat', 'rank1', 'invert', 'orthogonalize', 'breakpoints', 'advance', 'firstReaching'];
    const [tiles, matvec, vecmat, rank1, invert, orthogonalize, breakpoints, advance, firstReaching] = names.map(kernel);
    instance = {
      memory,
      tiles: (xp, yp, cp, pt0, pt1, qt0, qt1, len, B, cs) => tiles(xp, yp, cp, pt0, pt1, qt0, qt1, len, B, cs),
      matvec: (qp, xp, yp, m8, r) => matvec(qp, xp, yp, m8, r),
      vecmat: (mp, xp, yp, r, rs) => vecmat(mp, xp, yp, r, rs),
      rank1: (mp, colp, up, r, rs) => rank1(mp, colp, up, r, rs),
      invert: (ap, ip, r, rs) => invert(ap, ip, r, rs),
      orthogonalize: (ep, xp, kept, r) => orthogonalize(ep, xp, kept, r),
      breakpoints: (resp, wp, m, tol, slope0, tp, gp, ip, outp) => breakpoints(resp, wp, m, tol, slope0, tp, gp, ip, outp),
      advance: (resp, wp, zp, sp, qp, cp, m, rs, tau, leaving, tol, move) => advance(resp, wp, zp, sp, qp, cp, m, rs, tau, leaving, tol, move),
      firstReaching: (tp, gp, ip, p, need, total, sp) => firstReaching(tp, gp, ip, p, need, total, sp),
    };
  }
  return instance;
}

/** Float64 arrays in the kernels' memory, held until `release()`. */
export interface Frame {
  /** Byte offset of array k (16-byte aligned, as the kernels' vector loads prefer). */
  readonly offsets: readonly number[];
  /** A view of array k, valid until the next frame is pushed (which may grow the memory). */
  view(k: number): Float64Array;
  /** The same array's bytes (8 per double), likewise. */
  bytes(k: number): Uint8Array;
  release(): void;
}

/** Push a frame of float64 arrays with the given lengths (contents unspecified). */
export function pushFrame(lengths: readonly number[]): Frame {
  const { memory } = kernels();
  const base = top;
  const offsets: number[] = [];
  let end = base;
  for (const n of lengths) {
    offsets.push(end);
    end += Math.ceil((8 * n) / 16) * 16;
  }
  const missing = end - memory.buffer.byteLength;
  if (missing > 0) {
    memory.grow(Math.ceil(missing / 65536));
    grown++;
  }
  top = end;
  // Views are kept until the memory grows (which detaches them): a descent asks for a few per step.
  const views: Float64Array[] = [];
  const bytes: Uint8Array[] = [];
  let viewsOf = grown;
  const fresh = (): void => {
    if (viewsOf === grown) return;
    views.length = 0;
    bytes.length = 0;
    viewsOf = grown;
  };
  return {
    offsets,
    view(k) {
      fresh();
      return (views[k] ??= new Float64Array(memory.buffer, offsets[k], lengths[k]));
    },
    bytes(k) {
      fresh();
      return (bytes[k] ??= new Uint8Array(memory.buffer, offsets[k], 8 * lengths[k]));
    },
    release() {
      if (top !== end) throw new Error('wasm kernel frames released out of order');
      top = base;
    },
  };
}

