/**
 * The public library (package.json `exports` "."): what others call from their own TypeScript. Kept small and
 * documented in docs/api.md; everything else in src/ is internal and may change between versions.
 *
 *   solvers        batched l1 regression  min_u ||b − A u||_1  (HiGHS exact LP, ADMM, PDHG, IRLS; l2 and none baselines)
 *   theory         ψ(ε) and the critical corruption fraction ε*(n/m) of the l1 phase transition
 *   subspaces      A_W and A_β of a one-hidden-layer non-overlapping CNN, and the Gaussian ablation
 *   contamination  sparse corruption of a parameter update, seeded
 *   experiments    runExperiment on a config object, writing the folder `purify-cnn experiment` writes
 */

// Solvers: createSolver(spec) → solver.solve(problems) on a batch sharing m and n.
export { createSolver, SOLVER_NAMES, type SolverName, type SolverSpecInput } from '../solvers/registry.ts';
export type { L1Problem, Solver, SolveResult, SolveStatus, Subspace } from '../solvers/types.ts';
export { ADMM_DEFAULTS, type AdmmOptions } from '../solvers/admm.ts';
export { PDHG_DEFAULTS, type PdhgOptions } from '../solvers/pdhg.ts';
export { IRLS_DEFAULTS, type IrlsOptions } from '../solvers/irls.ts';
export { HIGHS_DEFAULTS, type HighsOptions } from '../solvers/highs.ts';
export { POLISH_DEFAULTS, type PolishOptions } from '../solvers/polish.ts';
export { BackendError, BACKENDS, useBackend, type BackendName } from '../tensor/backend.ts';

// Theory: ε* = criticalCorruption(n/m) solves ψ(ε*) = 1 − n/m.
export { criticalCorruption, psi, theoryCorruption, theoryCurve } from '../theory/phase-transition.ts';

// Subspaces the clean update lies in (tensors in, tensors out; toSubspace makes a solver's Subspace).
export { gates, patchify, type CnnParams } from '../kinds/synthetic/cnn.ts';
export { gaussianSubspaceData, hiddenSubspace, layerSize, outputSubspace, toSubspace, type RecoveredLayer } from '../kinds/synthetic/subspace.ts';

// Contamination and the recovery measure.
export { contaminate, type Contaminated, type ContaminationScales, type CorruptionSpec } from '../recovery/contaminate.ts';
export { relativeError } from '../recovery/measure.ts';
export { Rng } from '../util/rng.ts';

// Experiments.
export { runExperiment, type RunConfigOptions, type RunConfigOutcome } from './run.ts';
export { ConfigError } from '../config/errors.ts';
