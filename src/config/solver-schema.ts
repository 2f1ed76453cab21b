/**
 * `solver:` in a config: a solver name, or a mapping with `name` and that solver's options. Every option has
 * a default (the solver module's own, see src/solvers/*.ts and docs/solvers.md), so `solver: admm` is a
 * complete spec. A grid may sweep solvers: `solver: [highs, admm, {name: pdhg, operator: basis}]`.
 */
import { ADMM_DEFAULTS } from '../solvers/admm.ts';
import { HIGHS_DEFAULTS } from '../solvers/highs.ts';
import { IRLS_DEFAULTS } from '../solvers/irls.ts';
import { PDHG_DEFAULTS } from '../solvers/pdhg.ts';
import type { ObjectSchema, Schema, UnionSchema } from './schema.ts';

const polish: Schema = {
  kind: 'boolean',
  default: false,
  description: 'after solving, refit least squares on the coordinates with the smallest residuals (src/solvers/polish.ts)',
};

const label: Schema = {
  kind: 'string',
  default: '',
  description: "name shown in tables and figures (default: the solver's name, with '+polish' when polished)",
};

function variant(description: string, fields: Record<string, Schema>): ObjectSchema {
  return { kind: 'object', description, fields: { name: { kind: 'string' }, ...fields, polish, label } };
}

const count = (value: number, description: string): Schema => ({ kind: 'number', integer: true, min: 1, default: value, description });
const positive = (value: number, description: string): Schema => ({ kind: 'number', min: 0, exclusiveMin: true, default: value, description });

/** Options every batched first-order solver shares (src/solvers/admm.ts, FirstOrderOptions). */
function firstOrder(defaults: typeof ADMM_DEFAULTS | typeof PDHG_DEFAULTS | typeof IRLS_DEFAULTS, withDual: boolean): Record<string, Schema> {
  return {
    maxIterations: count(defaults.maxIterations, 'iteration cap per problem'),
    checkEvery: count(defaults.checkEvery, 'iterations between convergence checks (the only device→host copies)'),
    epsPrimal: positive(defaults.epsPrimal, 'relative primal residual tolerance'),
    ...(withDual ? { epsDual: positive(defaults.epsDual, 'relative dual residual tolerance') } : {}),
    adapt: { kind: 'boolean', default: defaults.adapt, description: 'per-problem residual balancing of the step scale' },
    mu: positive(defaults.mu, 'balancing: rescale when one residual exceeds mu times the other'),
    tau: positive(defaults.tau, 'balancing: rescale factor'),
    certify: { kind: 'boolean', default: defaults.certify === true, description: 'certified early stopping: polish + dual certificate of LP optimality at checks' },
    backoff: { kind: 'number', min: 0, default: defaults.backoff, description: 'after a failed certification at iteration k, retry at k + max(checkEvery, backoff·k)' },
  };
}

export const solverSchema: UnionSchema = {
  kind: 'union',
  tag: 'name',
  default: { name: 'highs' },
  description: 'how the l1 recovery problem is solved',
  variants: {
    highs: variant('exact LP in HiGHS (float64), the reference', {
      algorithm: { kind: 'string', enum: ['choose', 'simplex', 'ipm'], default: HIGHS_DEFAULTS.algorithm, description: 'HiGHS LP algorithm' },
      timeLimitSeconds: positive(600, 'time limit per problem; a problem that hits it is recorded as failed'),
    }),
    admm: variant('batched ADMM on tensors (cached orthonormal basis of range(A)), certified stopping', {
      ...firstOrder(ADMM_DEFAULTS, true),
      alpha: { kind: 'number', min: 0, exclusiveMin: true, max: 2, default: ADMM_DEFAULTS.alpha, description: 'over-relaxation α ∈ (0, 2)' },
      rhoScale: positive(ADMM_DEFAULTS.rhoScale, 'initial ρ = rhoScale / median|b − Pb|'),
    }),
    pdhg: variant('batched primal–dual hybrid gradient (linearized ADMM): matmuls with A only', {
      ...firstOrder(PDHG_DEFAULTS, true),
      operator: { kind: 'string', enum: ['A', 'basis'], default: PDHG_DEFAULTS.operator, description: "iterate with A as given, or its orthonormal basis (better for ill-conditioned A)" },
      step: { kind: 'number', min: 0, exclusiveMin: true, max: 1, default: PDHG_DEFAULTS.step, description: 'step η = σ = τ of the normalised operator (< 1)' },
      w0: positive(PDHG_DEFAULTS.w0, 'initial primal weight w0 / median|b − Pb|'),
    }),
    irls: variant('batched iteratively reweighted least squares with a shrinking smoothing ε', {
      ...firstOrder(IRLS_DEFAULTS, false),
      eps0: positive(IRLS_DEFAULTS.eps0, 'initial smoothing, in units of median|b − Pb|'),
      decay: { kind: 'number', min: 0, exclusiveMin: true, max: 1, default: IRLS_DEFAULTS.decay, description: 'ε shrinks by this factor per iteration' },
      epsMin: positive(IRLS_DEFAULTS.epsMin, 'smallest smoothing'),
    }),
    l2: variant('baseline: least-squares projection onto the subspace', {}),
    none: variant('baseline: no repair (θ^ = θ~)', {}),
  },
};
