import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without type declarations
import { generatedKernels } from '../scripts/build-wasm.mjs';
import { cholesky, cholSolve, cholSolveMany, lowerInverse } from '../src/solvers/linalg.ts';
import { rowProducts, strided } from '../src/solvers/row-products.ts';

/** Deterministic values in (−1, 1). */
function filled(length: number, seed: number): Float64Array {
  return Float64Array.from({ length }, (_, i) => Math.sin(seed * 1.618 + i * 0.7071));
}

/** The same products by one running sum per entry. */
function naive(X: Float64Array, xo: Int32Array, Y: Float64Array, yo: Int32Array, len: number): Float64Array {
  const C = new Float64Array(xo.length * yo.length);
  for (let p = 0; p < xo.length; p++) {
    for (let q = 0; q < yo.length; q++) {
      let s = 0;
      for (let t = 0; t < len; t++) s += X[xo[p] + t] * Y[yo[q] + t];
      C[p * yo.length + q] = s;
    }
  }
  return C;
}

/**
 * The order the kernel promises, in plain scalar code: per entry, one running sum per 256-long block of t (for a
 * lower triangular Y, only up to the end of the entry's 4-row tile), the blocks' sums added in turn.
 */
function blockedScalar(X: Float64Array, xo: Int32Array, Y: Float64Array, yo: Int32Array, len: number, triangular = false): Float64Array {
  const C = new Float64Array(xo.length * yo.length);
  for (let p = 0; p < xo.length; p++) {
    for (let q = 0; q < yo.length; q++) {
      let total = 0;
      for (let t0 = 0; t0 < len; t0 += 256) {
        const end = triangular ? Math.min(len, t0 + 256, 4 * Math.floor(q / 4) + 4) : Math.min(len, t0 + 256);
        if (end <= t0) continue;
        let s = 0;
        for (let t = t0; t < end; t++) s += X[xo[p] + t] * Y[yo[q] + t];
        total += s;
      }
      C[p * yo.length + q] = total;
    }
  }
  return C;
}

function sameBits(a: Float64Array, b: Float64Array): boolean {
  return a.length === b.length && a.every((x, i) => Object.is(x, b[i]));
}

function maxDiff(a: Float64Array, b: Float64Array): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

describe('float64 row products (tiled kernel)', () => {
  // Sizes off the 4×4 tiles, across two 256-long t blocks and two 64-row panels.
  const P = 71;
  const Qn = 133;
  const len = 301;

  it('full: every entry equals the running-sum dot product to rounding', () => {
    const X = filled(P * len, 1);
    const Y = filled(Qn * len, 2);
    const C = rowProducts(X, strided(P, len), Y, strided(Qn, len), len, 'full');
    expect(maxDiff(C, naive(X, strided(P, len), Y, strided(Qn, len), len))).toBeLessThan(1e-12);
  });

  it('symmetric: the Gram matrix of gathered rows, both triangles', () => {
    const X = filled(Qn * len, 3);
    const rows = Int32Array.from([5, 0, 132, 64, 63, 7, 100, 99, 1], (i) => i * len);
    const C = rowProducts(X, rows, X, rows, len, 'symmetric');
    expect(maxDiff(C, naive(X, rows, X, rows, len))).toBeLessThan(1e-12);
  });

  it('lower-triangular: X Mᵀ with M lower triangular, and X L⁻ᵀ through lowerInverse', () => {
    const r = 70;
    const L = new Float64Array(r * r);
    for (let a = 0; a < r; a++) for (let c = 0; c <= a; c++) L[a * r + c] = a === c ? 2 + Math.cos(a) : 0.3 * Math.sin(a * 3 + c);
    const M = lowerInverse(L, r);
    // L M = I, and M is zero above its diagonal.
    const LM = naive(L, strided(r, r), transpose(M, r), strided(r, r), r);
    for (let a = 0; a < r; a++) for (let c = 0; c < r; c++) expect(Math.abs(LM[a * r + c] - (a === c ? 1 : 0))).toBeLessThan(1e-12);
    for (let a = 0; a < r; a++) for (let c = a + 1; c < r; c++) expect(M[a * r + c]).toBe(0);
    const X = filled(P * r, 4);
    const C = rowProducts(X, strided(P, r), M, strided(r, r), r, 'lower-triangular');
    expect(maxDiff(C, naive(X, strided(P, r), M, strided(r, r), r))).toBeLessThan(1e-12);
  });
});

describe('float64 row products: the WebAssembly SIMD kernel', () => {
  it('sums every entry in the documented order, so its bits are those of scalar code (full, symmetric, triangular)', () => {
    const P = 70;
    const len = 530; // three t blocks, the last one short
    const X = filled(P * len + 3, 5);
    const Y = filled(45 * len, 6);
    const xo = Int32Array.from({ length: P }, (_, i) => i * len + 3);
    expect(sameBits(rowProducts(X, xo, Y, strided(45, len), len, 'full'), blockedScalar(X, xo, Y, strided(45, len), len))).toBe(true);
    const rows = Int32Array.from([9, 0, 44, 13, 2, 30, 31], (i) => i * len);
    const sym = rowProducts(Y, rows, Y, rows, len, 'symmetric');
    const ref = blockedScalar(Y, rows, Y, rows, len);
    for (let p = 0; p < rows.length; p++) for (let q = 0; q <= p; q++) expect(Object.is(sym[p * 7 + q], ref[p * 7 + q])).toBe(true);
    const r = 300;
    const L = filled(r * r, 7).map((x, i) => (i % r <= Math.floor(i / r) ? x : 0));
    const Xr = filled(P * r, 8);
    expect(sameBits(rowProducts(Xr, strided(P, r), L, strided(r, r), r, 'lower-triangular'), blockedScalar(Xr, strided(P, r), L, strided(r, r), r, true))).toBe(true);
  });

  it('crosses chunks of 1,024 rows of X with the same bits as one row range at a time', () => {
    const P = 1030;
    const len = 20;
    const X = filled(P * len, 9);
    const C = rowProducts(X, strided(P, len), X, strided(9, len), len, 'full');
    expect(sameBits(C, blockedScalar(X, strided(P, len), X, strided(9, len), len))).toBe(true);
  });

  it('matches kernels.wat: the committed module is what npm run build:wasm makes of the text', async () => {
    const committed = readFileSync(resolve(import.meta.dirname, '../src/solvers/kernels-wasm.ts'), 'utf8');
    expect(committed).toBe(await generatedKernels());
  });
});

describe('blocked Cholesky', () => {
  /** A Gram matrix of m random-ish rows (positive definite for m ≥ r), and one of rank r − 1. */
  function gram(r: number, m: number, seed: number, rankDeficient = false): Float64Array {
    let x = seed;
    const A = Float64Array.from({ length: m * r }, () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5);
    if (rankDeficient) for (let i = 0; i < m; i++) A[i * r + r - 1] = A[i * r] + A[i * r + 1];
    const cols = new Float64Array(r * m);
    for (let i = 0; i < m; i++) for (let a = 0; a < r; a++) cols[a * m + i] = A[i * r + a];
    return naive(cols, strided(r, m), cols, strided(r, m), m);
  }

  it.each([40, 64, 65, 200])('reproduces G = L Lᵀ to rounding at r = %i and leaves the upper triangle as it was', (r) => {
    const G = gram(r, r + 30, r);
    const L = Float64Array.from(G);
    expect(cholesky(L, r)).toBe(true);
    for (let a = 0; a < r; a++) {
      for (let c = 0; c <= a; c++) {
        let s = 0;
        for (let k = 0; k <= c; k++) s += L[a * r + k] * L[c * r + k];
        expect(Math.abs(s - G[a * r + c])).toBeLessThan(1e-12 * G[a * r + a]);
      }
      for (let c = a + 1; c < r; c++) expect(L[a * r + c]).toBe(G[a * r + c]);
    }
  });

  it('cholSolveMany solves 11 right-hand sides (8 at a time, then 3) as cholSolve does each', () => {
    const r = 90;
    const L = gram(r, r + 30, 11);
    expect(cholesky(L, r)).toBe(true);
    const X = filled(11 * r, 12);
    const many = Float64Array.from(X);
    cholSolveMany(L, r, many, 11);
    for (let v = 0; v < 11; v++) {
      const one = X.slice(v * r, (v + 1) * r);
      cholSolve(L, r, one);
      expect(maxDiff(many.subarray(v * r, (v + 1) * r), one)).toBeLessThan(1e-12 * Math.max(1, ...one.map(Math.abs)));
    }
  });

  it('reports a singular matrix (a column that is the sum of two others) in a later block', () => {
    const r = 150;
    expect(cholesky(gram(r, r + 30, 7, true), r)).toBe(false);
  });
});

describe('float64 row products on helper threads', () => {
  const saved = process.env.PURIFY_CNN_THREADS;
  afterEach(() => {
    if (saved === undefined) delete process.env.PURIFY_CNN_THREADS;
    else process.env.PURIFY_CNN_THREADS = saved;
  });

  it('give the same bits as one thread (a product above the threading threshold, 1.1 G multiply-adds)', () => {
    const [P, len] = [700, 4500];
    const X = filled(P * len, 5);
    const rows = strided(P, len);
    process.env.PURIFY_CNN_THREADS = '1';
    const one = rowProducts(X, rows, X, rows, len, 'symmetric');
    process.env.PURIFY_CNN_THREADS = '3';
    const three = rowProducts(X, rows, X, rows, len, 'symmetric');
    expect(three.buffer).toBeInstanceOf(SharedArrayBuffer); // the helpers did run
    expect(Buffer.from(three.buffer).equals(Buffer.from(one.buffer))).toBe(true);
  }, 60_000);

  it('reject a malformed PURIFY_CNN_THREADS, naming it', () => {
    process.env.PURIFY_CNN_THREADS = 'two';
    const X = filled(700 * 4500, 6);
    expect(() => rowProducts(X, strided(700, 4500), X, strided(700, 4500), 4500, 'symmetric')).toThrow(/PURIFY_CNN_THREADS must be a whole number ≥ 1.*'two'/);
  });
});

function transpose(M: Float64Array, r: number): Float64Array {
  return Float64Array.from({ length: r * r }, (_, i) => M[(i % r) * r + Math.floor(i / r)]);
}
