/**
 * active-set's algebra in the WebAssembly kernels (src/solvers/vertex-inverse.ts) against the scalar JS loops they
 * replaced, written out here in the same order: the same bits, at sizes off the kernels' 2-, 4- and 8-wide steps.
 * And the kernels' scratch memory: frames released out of order are refused, views survive the memory growing.
 */
import { describe, expect, it } from 'vitest';
import { matVec } from '../src/solvers/linalg.ts';
import { VertexAlgebra } from '../src/solvers/vertex-inverse.ts';
import { pushFrame } from '../src/solvers/wasm-kernels.ts';

const m = 37;
const r = 13;

/** Deterministic values in (−1, 1). */
function filled(length: number, seed: number): Float64Array {
  return Float64Array.from({ length }, (_, i) => Math.sin(seed * 1.618 + i * 0.7071 + i * i * 0.013));
}

const Q = filled(m * r, 1);
const Z = Int32Array.from([3, 0, 8, 11, 30, 17, 22, 5, 36, 14, 26, 9, 1]);

/** The same entries, bit for bit (+0 and −0 count as equal). */
function expectSame(actual: ArrayLike<number>, expected: ArrayLike<number>): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) if (actual[i] !== expected[i]) expect({ i, actual: actual[i] }).toEqual({ i, actual: expected[i] });
}

/** Q_Z⁻¹ by Gauss–Jordan with partial pivoting, as active-set did it in JS. */
function gaussJordan(): Float64Array {
  const A = new Float64Array(r * r);
  for (let t = 0; t < r; t++) A.set(Q.subarray(Z[t] * r, Z[t] * r + r), t * r);
  const inv = new Float64Array(r * r);
  for (let a = 0; a < r; a++) inv[a * r + a] = 1;
  for (let col = 0; col < r; col++) {
    let p = col;
    for (let a = col + 1; a < r; a++) if (Math.abs(A[a * r + col]) > Math.abs(A[p * r + col])) p = a;
    const pv = A[p * r + col];
    for (let c = 0; c < r; c++) {
      [A[p * r + c], A[col * r + c]] = [A[col * r + c], A[p * r + c]];
      [inv[p * r + c], inv[col * r + c]] = [inv[col * r + c], inv[p * r + c]];
    }
    const s = 1 / pv;
    for (let c = 0; c < r; c++) {
      A[col * r + c] *= s;
      inv[col * r + c] *= s;
    }
    for (let a = 0; a < r; a++) {
      if (a === col) continue;
      const f = A[a * r + col];
      if (f === 0) continue;
      for (let c = 0; c < r; c++) {
        A[a * r + c] -= f * A[col * r + c];
        inv[a * r + c] -= f * inv[col * r + c];
      }
    }
  }
  return inv;
}

/** M's r×r entries out of its padded rows. */
function unpadded(algebra: VertexAlgebra): Float64Array {
  const M = algebra.inverse();
  const out = new Float64Array(r * r);
  for (let a = 0; a < r; a++) out.set(M.subarray(a * algebra.rs, a * algebra.rs + r), a * r);
  return out;
}

function withAlgebra(test: (algebra: VertexAlgebra) => void): void {
  const algebra = new VertexAlgebra(Q, m, r);
  try {
    test(algebra);
  } finally {
    algebra.release();
  }
}

describe('active-set algebra in the wasm kernels: the bits of the scalar loops', () => {
  it('Gauss–Jordan inverse of Q_Z', () =>
    withAlgebra((algebra) => {
      expect(algebra.invert(Z)).toBe(true);
      expectSame(unpadded(algebra), gaussJordan());
    }));

  it('refuses a singular Q_Z', () =>
    withAlgebra((algebra) => {
      expect(algebra.invert(Int32Array.from([...Z.subarray(0, r - 1), Z[0]]))).toBe(false);
    }));

  it('Sherman–Morrison row replacement and the dual estimate −Mᵀc', () =>
    withAlgebra((algebra) => {
      algebra.invert(Z);
      const M = gaussJordan();
      const k = 20;
      const t = 4;
      // u = q_kᵀ M − e_tᵀ, M ← M − (M e_t / pivot) uᵀ, as in JS
      const u = new Float64Array(r);
      for (let a = 0; a < r; a++) for (let c = 0; c < r; c++) u[c] += Q[k * r + a] * M[a * r + c];
      const pivot = u[t];
      u[t] -= 1;
      const col = Float64Array.from({ length: r }, (_, a) => M[a * r + t] / pivot);
      for (let a = 0; a < r; a++) for (let c = 0; c < r; c++) M[a * r + c] -= col[a] * u[c];
      algebra.replace(k, t, pivot);
      expectSame(unpadded(algebra), M);

      const c = filled(r, 2);
      const y = new Float64Array(r);
      const expected = new Float64Array(r);
      for (let a = 0; a < r; a++) for (let s = 0; s < r; s++) expected[s] -= M[a * r + s] * c[a];
      const worst = algebra.dualOf(c, y);
      expectSame(y, expected);
      expect(worst).toBe(Math.max(...expected.map(Math.abs)));
    }));

  it('edge directions w = Q d', () =>
    withAlgebra((algebra) => {
      const d = filled(r, 3);
      const w = new Float64Array(m);
      algebra.edge(d, w);
      expectSame(w, matVec(Q, m, r, d));
      expectSame(algebra.times(d), matVec(Q, m, r, d));
    }));

  it("the line search's breakpoints and the step's pass over the residual, its signs and c", () =>
    withAlgebra((algebra) => {
      algebra.invert(Z);
      const inZ = new Uint8Array(m);
      for (const i of Z) inZ[i] = 1;
      const res = filled(m, 4).map((x, i) => (inZ[i] ? 0 : i % 7 === 0 ? 1e-14 : x));
      const tol = 1e-12;
      const d = filled(r, 5);
      const w = new Float64Array(m);
      algebra.edge(d, w);

      const found = algebra.breakpoints(res, Z, tol, -0.25);
      let slope = -0.25;
      const taus: number[] = [];
      for (let i = 0; i < m; i++) {
        if (inZ[i] || w[i] === 0) continue;
        if (Math.abs(res[i]) <= tol) slope += Math.abs(w[i]);
        else if (res[i] > 0 === w[i] > 0) taus.push(res[i] / w[i], 2 * Math.abs(w[i]), i);
      }
      expect(found.slope).toBe(slope);
      expect(found.count).toBe(taus.length / 3);
      const got: number[] = [];
      for (let j = 0; j < found.count; j++) got.push(found.taus[j], found.weights[j], found.rows[j]);
      expectSame(got, taus);

      // Signs and c from scratch, then a step: row Z[2] leaves with residual −τσ, row `enter` comes in.
      const signs = new Int8Array(m);
      const c = new Float64Array(r);
      const resign = (i: number): void => {
        const s = inZ[i] || Math.abs(res[i]) <= tol ? 0 : res[i] > 0 ? 1 : -1;
        if (s === signs[i]) return;
        for (let a = 0; a < r; a++) c[a] += (s - signs[i]) * Q[i * r + a];
        signs[i] = s;
      };
      algebra.resign(res, inZ, tol);
      for (let i = 0; i < m; i++) resign(i);
      const y = new Float64Array(r);
      const viaKernel = new Float64Array(r);
      algebra.dual(viaKernel);
      algebra.dualOf(c, y);
      expectSame(viaKernel, y);

      const tau = 0.37;
      const leaving = Z[2];
      const enter = taus[2];
      res[leaving] = -tau;
      inZ[leaving] = 0;
      res[enter] = 0;
      inZ[enter] = 1;
      const mine = Float64Array.from(res);
      for (let i = 0; i < m; i++) {
        if (!inZ[i] && i !== leaving) res[i] -= tau * w[i];
        resign(i);
      }
      algebra.advance(mine, inZ, tau, leaving, tol);
      expectSame(mine, res);
      algebra.dual(viaKernel);
      algebra.dualOf(c, y);
      expectSame(viaKernel, y);
    }));

  it("the line search's weighted median: the smallest breakpoint at which the weights reach `need`", () => {
    // m large enough (p ≥ 128) for the sampled threshold, with needs that it serves and that it does not.
    const big = 600;
    const Qb = filled(big * 2, 7);
    const algebra = new VertexAlgebra(Qb, big, 2);
    try {
      const Zb = Int32Array.from([0, 1]);
      algebra.invert(Zb);
      const w = new Float64Array(big);
      algebra.edge(Float64Array.from([0.3, -0.7]), w);
      const res = w.map((x, i) => (i < 2 ? 0 : x * (1 + ((i * 37) % 101)))); // every row ahead of the step
      for (const share of [0.001, 0.05, 0.2, 0.6, 0.999]) {
        const found = algebra.breakpoints(res, Zb, 1e-300, 0);
        const order = Array.from({ length: found.count }, (_, j) => j).sort((a, b) => found.taus[a] - found.taus[b]);
        const need = share * found.total;
        let sum = 0;
        let expected = NaN;
        for (const j of order) {
          sum += found.weights[j];
          if (sum >= need) {
            expected = found.taus[j];
            break;
          }
        }
        const j = algebra.firstReaching(found.count, need, found.total);
        expect(found.taus[j]).toBe(expected);
        expect(found.rows[j]).toBe(Math.round(found.rows[j]));
        expect(res[found.rows[j]] / w[found.rows[j]]).toBe(expected);
      }
      const found = algebra.breakpoints(res, Zb, 1e-300, 0);
      expect(algebra.firstReaching(found.count, 2 * found.total, found.total)).toBe(-1);
    } finally {
      algebra.release();
    }
  });

  it('starting rows: modified Gram–Schmidt keeps the rows with ≥ 1e-3 of their norm outside the span so far', () =>
    withAlgebra((algebra) => {
      // Row 6 repeats row 2 (nothing outside the span): it must be passed over.
      const order = [2, 6, 9, 0, 4, 1, 33, 12, 19, 25, 31, 7, 15, 28, 35];
      const Qd = Float64Array.from(Q);
      Qd.set(Qd.subarray(2 * r, 3 * r), 6 * r);
      const dup = new VertexAlgebra(Qd, m, r);
      try {
        const Zs = dup.independentRows(order)!;
        expect(Array.from(Zs)).toEqual(order.filter((i) => i !== 6).slice(0, r));
      } finally {
        dup.release();
      }
      expect(algebra.independentRows(order.slice(0, r - 1))).toBeUndefined();
    }));
});

describe('the kernels’ scratch memory', () => {
  it('refuses frames released out of order', () => {
    const a = pushFrame([4]);
    const b = pushFrame([4]);
    expect(() => a.release()).toThrow(/out of order/);
    b.release();
    a.release();
  });

  it('keeps a frame’s contents readable after the memory grows (views are re-made)', () => {
    const a = pushFrame([5]);
    a.view(0).set([1, 2, 3, 4, 5]);
    const big = pushFrame([8 * 1024 * 1024]); // 64 MiB: more than the memory holds so far
    expect(Array.from(a.view(0))).toEqual([1, 2, 3, 4, 5]);
    big.release();
    a.release();
  });
});
