/**
 * The library from a user's own TypeScript project (docs/api.md): the theory curve, one l1 recovery by a
 * batched solver, and an experiment run from a config object. `npx tsx library.ts` after `npm install purify-cnn`;
 * test/package.test.ts runs this file in a fresh project where the packed tarball is installed.
 */
import { contaminate, createSolver, criticalCorruption, gaussianSubspaceData, psi, relativeError, Rng, runExperiment, useBackend, type Subspace } from 'purify-cnn';

// 1. Theory: recovery from an n-dimensional subspace of R^m succeeds for corruption fractions ε < ε*(n/m).
const eps = criticalCorruption(0.2);
console.log(`eps*(0.2) = ${eps.toFixed(3)}; psi(eps*) = ${psi(eps).toFixed(3)} = 1 - 0.2`);

// 2. One recovery: a clean update A u in a Gaussian subspace (m = 200, n = 40), 10 % of its coordinates corrupted.
await useBackend('wasm'); // the solvers run on tfjs tensors; pick the backend once
const m = 200;
const n = 40;
const A: Subspace = { id: 'gaussian-200x40', m, n, data: gaussianSubspaceData(1, m, n) };
const rng = new Rng('example');
const u = rng.normals(n);
const clean = new Float64Array(m).map((_, i) => u.reduce((sum, uj, j) => sum + A.data[i * n + j] * uj, 0));
const rms = Math.sqrt(clean.reduce((s, x) => s + x * x, 0) / m);
const spec = { fraction: 0.1, count: 'exact', distribution: 'gaussian', scale: 10, relativeTo: 'update', sign: 'random' } as const;
const { b, corrupted } = contaminate(clean, spec, { start: 0, end: m }, { update: rms, params: rms }, rng);
const solver = await createSolver({ name: 'admm' }); // 'highs' is the exact LP; also 'pdhg', 'irls', and the baselines 'l2', 'none'
const [result] = await solver.solve([{ A, b }]); // a batch: many problems of the same m × n in one call
solver.dispose?.();
console.log(`${corrupted.length} of ${m} coordinates corrupted; admm ${result.status}; relative error ${relativeError(result.delta, clean).toExponential(1)}`);

// 3. An experiment from a config object (what an experiments/*.yaml file would hold), written as the CLI writes it.
const outcome = await runExperiment(
  {
    name: 'api-example',
    defaults: { model: 'small-cnn', data: 'gaussian-teacher', training: 'linearized', contamination: 'sparse-gaussian', recovery: 'hidden', solver: 'admm' },
    seed: 1,
    trials: 2,
    workers: 1,
    model: { width: 5 },
    data: { samples: 8 },
    sweeps: { tiny: { grid: { contamination: { fraction: [0, 0.1] } } } },
  },
  { outDir: 'results/api-example', fresh: true },
);
console.log(`runExperiment: ${outcome.ran} trials -> ${outcome.outDir} (summary ${outcome.report?.summary})`);
