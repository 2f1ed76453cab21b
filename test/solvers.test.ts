/**
 * Solver correctness on seeded Gaussian problems (RESEARCH.md §4–5): b = A u* + z, A m×n N(0,1), u* N(0,1),
 * z_i ~ Bernoulli(ε)·N(0, 10²); success = ||delta − A u*|| / ||A u*|| small. At n/m = 0.2 l1 recovery succeeds
 * below ε ≈ 0.46 and fails above it.
 */
import * as tf from '@tensorflow/tfjs';
import seedrandom from 'seedrandom';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAdmm } from '../src/solvers/admm.ts';
import { createHighs } from '../src/solvers/highs.ts';
import { createIrls } from '../src/solvers/irls.ts';
import { createL2 } from '../src/solvers/l2.ts';
import { orthonormalBasis, rowBlock } from '../src/solvers/linalg.ts';
import { createNone } from '../src/solvers/none.ts';
import { createPdhg } from '../src/solvers/pdhg.ts';
import { keptSet, polish, polishPoint, withPolish } from '../src/solvers/polish.ts';
import { createSolver, defaultSpec, SOLVER_NAMES, type SolverName } from '../src/solvers/registry.ts';
import type { L1Problem, SolveResult, Solver, Subspace } from '../src/solvers/types.ts';
import { useBackend } from '../src/tensor/backend.ts';

const M = 200;
const N = 40;

function normal(rng: () => number): number {
  let u = 0;
  while (u === 0) u = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

function gaussianA(seed: string, m = M, n = N): Subspace {
  const rng = seedrandom(`A-${seed}`);
  return { id: `test-${seed}-${m}x${n}`, m, n, data: Float64Array.from({ length: m * n }, () => normal(rng)) };
}

interface Case {
  problem: L1Problem;
  truth: Float64Array;
  eps: number;
}

function makeCase(A: Subspace, eps: number, seed: string): Case {
  const rng = seedrandom(`p-${seed}`);
  const u = Float64Array.from({ length: A.n }, () => normal(rng));
  const truth = new Float64Array(A.m);
  for (let i = 0; i < A.m; i++) for (let j = 0; j < A.n; j++) truth[i] += A.data[i * A.n + j] * u[j];
  const b = truth.map((t) => (rng() < eps ? t + 10 * normal(rng) : t));
  return { problem: { A, b }, truth, eps };
}

function relErr(delta: Float64Array, truth: Float64Array): number {
  let e = 0;
  let s = 0;
  for (let i = 0; i < truth.length; i++) {
    e += (delta[i] - truth[i]) ** 2;
    s += truth[i] ** 2;
  }
  return Math.sqrt(e / s);
}

const sameBits = (a: Float64Array, b: Float64Array) => a.length === b.length && a.every((x, i) => Object.is(x, b[i]));

const A1 = gaussianA('one');
const A2 = gaussianA('two');
const A3 = gaussianA('three');
const A4 = gaussianA('four');
const easy = [0, 1, 2].map((k) => makeCase([A1, A2, A3][k], 0.1, `easy-${k}`));
const hard = [0, 1, 2].map((k) => makeCase([A1, A2, A3][k], 0.6, `hard-${k}`));
// ~40 problems over ε ∈ [0, 0.7], four subspaces mixed in one batch
const sweep: Case[] = [];
for (let l = 0; l < 10; l++) for (const [g, A] of [A1, A2, A3, A4].entries()) sweep.push(makeCase(A, (0.7 * l) / 9, `sweep-${l}-${g}`));

const tensorSolvers: Record<string, () => Solver> = {
  admm: () => createAdmm(),
  pdhg: () => createPdhg(),
  irls: () => createIrls(),
  'admm (uncertified) + polish': () => withPolish(createAdmm({ certify: false, maxIterations: 400 })),
};

let highs: Solver;
let highsSweep: SolveResult[];

beforeAll(async () => {
  await useBackend('wasm');
  highs = await createHighs();
  highsSweep = await highs.solve(sweep.map((c) => c.problem));
});

describe('highs (exact LP reference)', () => {
  it('is exact at ε = 0.1 and fails at ε = 0.6', async () => {
    const ok = await highs.solve(easy.map((c) => c.problem));
    ok.forEach((r, k) => {
      expect(r.status).toBe('optimal');
      expect(relErr(r.delta, easy[k].truth)).toBeLessThan(1e-8);
    });
    const bad = await highs.solve(hard.map((c) => c.problem));
    bad.forEach((r, k) => expect(relErr(r.delta, hard[k].truth)).toBeGreaterThan(1e-2));
  });

  it('matches the l1 theory over the sweep (successes below the threshold, failures above)', () => {
    const success = highsSweep.map((r, k) => relErr(r.delta, sweep[k].truth) <= 1e-4);
    sweep.forEach((c, k) => {
      if (c.eps <= 0.3) expect(success[k]).toBe(true);
      if (c.eps >= 0.6) expect(success[k]).toBe(false);
    });
  });
});

describe.each(Object.keys(tensorSolvers))('%s', (name) => {
  let solver: Solver;
  beforeAll(() => {
    solver = tensorSolvers[name]();
    return () => solver.dispose?.();
  });

  it('recovers exactly at ε = 0.1 and fails at ε = 0.6', async () => {
    const res = await solver.solve([...easy, ...hard].map((c) => c.problem));
    easy.forEach((c, k) => expect(relErr(res[k].delta, c.truth)).toBeLessThan(1e-4));
    hard.forEach((c, k) => expect(relErr(res[easy.length + k].delta, c.truth)).toBeGreaterThan(1e-2));
  });

  it('agrees with HiGHS on every success decision of a mixed-subspace sweep over ε ∈ [0, 0.7]', async () => {
    const res = await solver.solve(sweep.map((c) => c.problem));
    const decisions = res.map((r, k) => relErr(r.delta, sweep[k].truth) <= 1e-4);
    const reference = highsSweep.map((r, k) => relErr(r.delta, sweep[k].truth) <= 1e-4);
    expect(decisions).toEqual(reference);
    for (const r of res) {
      expect(['converged', 'max_iterations']).toContain(r.status);
      expect(r.iterations).toBeGreaterThan(0);
      expect(Number.isFinite(r.primalResidual)).toBe(true);
    }
  });
});

describe('admm schedule', () => {
  it('certifies a recoverable problem at its first check (iteration 20), the rest at later checks', async () => {
    const solver = createAdmm();
    const res = await solver.solve(easy.map((c) => c.problem));
    for (const [k, r] of res.entries()) {
      expect(r.message).toMatch(/certified optimal/);
      expect(r.iterations).toBe(20);
      expect(relErr(r.delta, easy[k].truth)).toBeLessThan(1e-12);
    }
    const late = await createAdmm({ firstCheck: 100 }).solve([easy[0].problem]);
    expect(late[0].iterations).toBe(100);
    const capped = await solver.solve(hard.map((c) => c.problem));
    for (const r of capped) expect([20, 100, 200, 300]).toContain(r.iterations); // checks fall on 20, then multiples of 100
    solver.dispose?.();
  });
});

describe('batching', () => {
  const mixed = [sweep[12], sweep[13], sweep[20], sweep[21], sweep[24], sweep[33]]; // two subspaces, ε ≈ 0.2–0.55

  it.each(['admm', 'pdhg', 'irls', 'l2'])('%s gives identical answers batched and one at a time', async (name) => {
    const solver = await createSolver(defaultSpec(name as SolverName));
    const batched = await solver.solve(mixed.map((c) => c.problem));
    for (const [k, c] of mixed.entries()) {
      const [single] = await solver.solve([c.problem]);
      expect(sameBits(single.delta, batched[k].delta)).toBe(true);
      expect(single.iterations).toBe(batched[k].iterations);
      expect(single.status).toBe(batched[k].status);
    }
    solver.dispose?.();
  });

  it('reports NaN in b as a failed result for that problem only, in every solver', async () => {
    const bad: L1Problem = { A: A1, b: easy[0].problem.b.map((x, i) => (i === 5 ? NaN : x)) };
    for (const name of SOLVER_NAMES) {
      const solver = await createSolver({ name } as { name: 'admm' });
      const res = await solver.solve([easy[1].problem, bad, easy[2].problem]);
      expect(res[1].status, name).toBe('failed');
      expect(res[1].message, name).toMatch(/problem 1/);
      expect(res[1].delta.every(Number.isNaN), name).toBe(true);
      expect(res[0].status, name).not.toBe('failed');
      expect(res[2].status, name).not.toBe('failed');
      solver.dispose?.();
    }
  });

  it('rejects a batch whose problems differ in size (misuse throws)', async () => {
    const small = makeCase(gaussianA('small', 100, N), 0.1, 'small').problem;
    await expect(createAdmm().solve([easy[0].problem, small])).rejects.toThrow(/100/);
  });

  it('rowBlock cuts the same rows as tf.slice (its own wasm kernel), at the ends and in the middle', () => {
    const x = tf.tensor2d(Float32Array.from({ length: 7 * 5 }, (_, i) => i * 0.5 - 3), [7, 5]);
    for (const [start, count] of [[0, 7], [0, 2], [3, 1], [5, 2]]) {
      const ours = rowBlock(x, start, count);
      expect(ours.shape).toEqual([count, 5]);
      expect(Array.from(ours.dataSync())).toEqual(Array.from(tf.slice(x, [start, 0], [count, 5]).dataSync()));
      ours.dispose();
    }
    x.dispose();
  });

  it('leaks no tensors', async () => {
    const before = tf.memory().numTensors;
    const solver = createAdmm();
    await solver.solve(sweep.slice(0, 8).map((c) => c.problem));
    solver.dispose?.();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('baselines', () => {
  it('l2 is exact without contamination and fails at ε = 0.1', async () => {
    const l2 = createL2();
    const clean = makeCase(A1, 0, 'clean');
    const [ok, bad] = await l2.solve([clean.problem, easy[0].problem]);
    expect(relErr(ok.delta, clean.truth)).toBeLessThan(1e-5);
    expect(relErr(bad.delta, easy[0].truth)).toBeGreaterThan(1e-2);
    l2.dispose?.();
  });

  it('none returns b', async () => {
    const [r] = await createNone().solve([easy[0].problem]);
    expect(sameBits(r.delta, easy[0].problem.b)).toBe(true);
    expect(r.delta).not.toBe(easy[0].problem.b);
  });
});

describe('polish', () => {
  it('keeps the coordinates below the first 10× jump of the sorted residuals (at least r), in index order', () => {
    // sorted: 1e-9 ×2, 2e-9, 3e-9 | 5e-7 ...: the jump after the fourth value ends the kept set
    const residual = [5e-7, -1e-9, 3e-9, 4e-3, -2e-9, 1e-9, 6e-7, 1e-2];
    expect(Array.from(keptSet(residual, 3, 1e-12, 10))).toEqual([1, 2, 4, 5]);
    // r = 5 starts the search past the jump: the next one (6e-7 → 4e-3) ends it
    expect(Array.from(keptSet(residual, 5, 1e-12, 10))).toEqual([0, 1, 2, 4, 5, 6]);
    // at least r exact zeros (≤ tol): those, whatever the gaps
    expect(Array.from(keptSet(residual, 2, 1.5e-9, 10))).toEqual([1, 5]);
    // no jump of 10×: the cut at the largest jump (1 → 2); equal values at a cut are taken in index order
    expect(Array.from(keptSet([2, 1, 1, 1, 3], 2, 0, 10))).toEqual([1, 2, 3]);
    expect(Array.from(keptSet([1, 1, 1, 1], 2, 0, 10))).toEqual([0, 1]);
  });

  it('makes an approximate solution exact and certifies it', () => {
    const c = easy[0];
    const rough = c.truth.map((t, i) => t + 1e-5 * Math.sin(i)); // a first-order-quality answer
    const out = polishPoint(orthonormalBasis(c.problem.A), c.problem.b, rough);
    expect(out.accepted).toBe(true);
    expect(out.certified).toBe(true);
    expect(relErr(out.delta, c.truth)).toBeLessThan(1e-12);
  });

  it('a later polish of the same problem that starts from an earlier factor (low-rank update) gets the same answer', () => {
    const c = easy[0];
    const basis = orthonormalBasis(c.problem.A);
    // An earlier attempt on a worse point (its kept set differs from the final one in a few coordinates) …
    const worse = c.truth.map((t, i) => t + (i % 17 === 0 ? 0.05 : 1e-5 * Math.sin(i)));
    const first = polishPoint(basis, c.problem.b, worse);
    expect(first.factor).toBeDefined();
    // … then the rough answer, with and without that factor.
    const rough = c.truth.map((t, i) => t + 1e-5 * Math.sin(i));
    const fresh = polishPoint(basis, c.problem.b, rough);
    const updated = polishPoint(basis, c.problem.b, rough, {}, { previous: first.factor });
    expect(updated.certified).toBe(true);
    expect(relErr(updated.delta, fresh.delta)).toBeLessThan(1e-12);
    expect(relErr(updated.delta, c.truth)).toBeLessThan(1e-12);
  });

  it('does not certify the planted point when l1 recovery fails', () => {
    const c = hard[0];
    const out = polishPoint(orthonormalBasis(c.problem.A), c.problem.b, c.truth);
    expect(out.certified).toBe(false);
  });

  it('polish() upgrades a capped result and withPolish() wraps a solver', async () => {
    const capped: SolveResult = { delta: easy[1].truth.map((t) => t * (1 + 1e-6)), status: 'max_iterations', solveMs: 1 };
    const out = polish(easy[1].problem, capped);
    expect(out.status).toBe('converged');
    expect(out.message).toMatch(/certified/);
    expect(relErr(out.delta, easy[1].truth)).toBeLessThan(1e-12);
    const wrapped = withPolish(createNone());
    expect(wrapped.name).toBe('none+polish');
    const [r] = await wrapped.solve([easy[1].problem]);
    expect(relErr(r.delta, easy[1].truth)).toBeLessThan(1e-4); // polish rescues even "no repair" at ε = 0.1
  });
});

describe('subspace basis', () => {
  it('detects rank deficiency and solvers work on a rank-deficient A', async () => {
    // A with duplicated and combined columns: rank 30 < n = 40
    const base = gaussianA('lowrank', M, 30);
    const data = new Float64Array(M * N);
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < 30; j++) data[i * N + j] = base.data[i * 30 + j];
      for (let j = 30; j < N; j++) data[i * N + j] = base.data[i * 30 + (j - 30)] - 2 * base.data[i * 30 + (j - 29)];
    }
    const A: Subspace = { id: 'test-rank-deficient', m: M, n: N, data };
    const basis = orthonormalBasis(A);
    expect(basis.r).toBe(30);
    for (let a = 0; a < basis.r; a++) {
      for (let c = 0; c <= a; c++) {
        let s = 0;
        for (let i = 0; i < M; i++) s += basis.Q[i * basis.r + a] * basis.Q[i * basis.r + c];
        expect(Math.abs(s - (a === c ? 1 : 0))).toBeLessThan(1e-12);
      }
    }
    const c = makeCase(A, 0.15, 'lowrank');
    const [r] = await createAdmm().solve([c.problem]);
    expect(relErr(r.delta, c.truth)).toBeLessThan(1e-4);
    const [h] = await highs.solve([c.problem]);
    expect(relErr(h.delta, c.truth)).toBeLessThan(1e-8);
  });
  it('finds the rank and an orthonormal basis of the span across several pivot blocks (n = 200, rank 150)', () => {
    // Columns 150…199 are combinations of earlier ones, so the pivoted Cholesky stops at 150, after two of its
    // 64-step blocks have been applied to G as tiled products.
    const [m, n, rank] = [400, 200, 150];
    const base = gaussianA('lowrank-blocks', m, rank);
    const data = new Float64Array(m * n);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < rank; j++) data[i * n + j] = base.data[i * rank + j];
      for (let j = rank; j < n; j++) data[i * n + j] = base.data[i * rank + (j - rank)] + 0.5 * base.data[i * rank + (j - rank + 7)];
    }
    const basis = orthonormalBasis({ id: 'test-rank-blocks', m, n, data });
    expect(basis.r).toBe(rank);
    const { Q, r } = basis;
    let orth = 0;
    for (let a = 0; a < r; a++) {
      for (let c = 0; c <= a; c++) {
        let s = 0;
        for (let i = 0; i < m; i++) s += Q[i * r + a] * Q[i * r + c];
        orth = Math.max(orth, Math.abs(s - (a === c ? 1 : 0)));
      }
    }
    expect(orth).toBeLessThan(1e-12);
    // Every column of A lies in range(Q): ||a_j − Q Qᵀ a_j|| ≤ 1e-12 ||a_j||.
    for (const j of [0, 77, 149, 150, 199]) {
      const coef = new Float64Array(r);
      for (let i = 0; i < m; i++) for (let a = 0; a < r; a++) coef[a] += Q[i * r + a] * data[i * n + j];
      let res = 0;
      let norm = 0;
      for (let i = 0; i < m; i++) {
        let p = 0;
        for (let a = 0; a < r; a++) p += Q[i * r + a] * coef[a];
        res += (data[i * n + j] - p) ** 2;
        norm += data[i * n + j] ** 2;
      }
      expect(Math.sqrt(res / norm)).toBeLessThan(1e-12);
    }
  });
});

describe('ill-conditioned subspace (cond(A) = 1e6)', () => {
  it('admm and pdhg on the basis agree with HiGHS', async () => {
    // A = G diag(s) V, s_j = 10^(−6j/n): the kind of spread a trained network's subspace can have
    const G = gaussianA('ill-G');
    const V = gaussianA('ill-V', N, N);
    const data = new Float64Array(M * N);
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0; k < N; k++) s += G.data[i * N + k] * 10 ** ((-6 * k) / N) * V.data[k * N + j];
        data[i * N + j] = s;
      }
    }
    const A: Subspace = { id: 'test-ill', m: M, n: N, data };
    expect(orthonormalBasis(A).r).toBe(N);
    const cases = [0, 0.15, 0.3, 0.6].map((eps, k) => makeCase(A, eps, `ill-${k}`));
    const ok = (r: SolveResult, k: number) => relErr(r.delta, cases[k].truth) <= 1e-4;
    const reference = (await highs.solve(cases.map((c) => c.problem))).map(ok);
    expect(reference).toEqual([true, true, true, false]);
    for (const solver of [createAdmm(), createPdhg({ operator: 'basis' })]) {
      expect((await solver.solve(cases.map((c) => c.problem))).map(ok)).toEqual(reference);
      solver.dispose?.();
    }
  });
});

describe('registry', () => {
  it('rejects an unknown solver name', async () => {
    await expect(createSolver({ name: 'simplex' } as unknown as { name: 'none' })).rejects.toThrow(/unknown solver/);
  });

  it('builds every solver from its default spec, with and without polish', async () => {
    for (const name of SOLVER_NAMES) {
      const solver = await createSolver(defaultSpec(name));
      expect(solver.name).toBe(name);
      solver.dispose?.();
      const polished = await createSolver({ ...defaultSpec(name), polish: { certTol: 1e-7 } });
      expect(polished.name).toBe(`${name}+polish`);
      polished.dispose?.();
    }
  });
});
