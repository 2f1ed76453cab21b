/**
 * Solver specs (what a config names) and the factory. Every option has a default (SOLVER_DEFAULTS), so
 * `{ name: 'admm' }` is a complete spec. `polish` (on every spec) appends the polish stage of polish.ts:
 * `true` for its defaults, or its options.
 *
 * Choosing: `highs` is the exact reference (float64 LP, ~0.1–0.3 s at 576×100). `admm` is the fast batched
 * tensor solver; it certifies its answers itself (polish + dual certificate), so `polish` adds nothing to it.
 * `pdhg` (matmul-only iteration) and `irls` are alternative tensor solvers for the comparison; `l2` and `none`
 * are baselines. The tensor solvers need a tfjs backend: call useBackend() first (src/tensor/backend.ts).
 */
import { ADMM_DEFAULTS, createAdmm, type AdmmOptions } from './admm.ts';
import { createHighs, HIGHS_DEFAULTS, type HighsOptions } from './highs.ts';
import { createIrls, IRLS_DEFAULTS, type IrlsOptions } from './irls.ts';
import { createL2 } from './l2.ts';
import { createNone } from './none.ts';
import { createPdhg, PDHG_DEFAULTS, type PdhgOptions } from './pdhg.ts';
import { withPolish, type PolishOptions } from './polish.ts';
import type { Solver } from './types.ts';

interface PolishField {
  /** Run polish (polish.ts) on every result: true = default options. Default false. */
  readonly polish?: boolean | PolishOptions;
  /** Display name in tables and figures; no effect on solving. */
  readonly label?: string;
}

export type SolverSpec =
  | ({ readonly name: 'highs' } & Partial<HighsOptions> & PolishField)
  | ({ readonly name: 'admm' } & Partial<AdmmOptions> & PolishField)
  | ({ readonly name: 'pdhg' } & Partial<PdhgOptions> & PolishField)
  | ({ readonly name: 'irls' } & Partial<IrlsOptions> & PolishField)
  | ({ readonly name: 'l2' } & PolishField)
  | ({ readonly name: 'none' } & PolishField);

export type SolverName = SolverSpec['name'];

export const SOLVER_NAMES: readonly SolverName[] = ['highs', 'admm', 'pdhg', 'irls', 'l2', 'none'];

/** The complete default spec of each solver (see each solver's module for what the options mean). */
export const SOLVER_DEFAULTS: { readonly [K in SolverName]: Extract<SolverSpec, { name: K }> } = {
  highs: { name: 'highs', ...HIGHS_DEFAULTS, polish: false },
  admm: { name: 'admm', ...ADMM_DEFAULTS, polish: false },
  pdhg: { name: 'pdhg', ...PDHG_DEFAULTS, polish: false },
  irls: { name: 'irls', ...IRLS_DEFAULTS, polish: false },
  l2: { name: 'l2', polish: false },
  none: { name: 'none', polish: false },
};

/** Build the solver a spec describes (defaults fill what the spec leaves out). */
export async function createSolver(spec: SolverSpec): Promise<Solver> {
  const { polish, label, ...rest } = spec;
  void label;
  const solver = await createBase(rest as SolverSpec);
  if (!polish) return solver;
  return withPolish(solver, polish === true ? {} : polish);
}

async function createBase(spec: SolverSpec): Promise<Solver> {
  const { name, ...opts } = spec;
  switch (spec.name) {
    case 'highs':
      return createHighs(opts as Partial<HighsOptions>);
    case 'admm':
      return createAdmm(opts as Partial<AdmmOptions>);
    case 'pdhg':
      return createPdhg(opts as Partial<PdhgOptions>);
    case 'irls':
      return createIrls(opts as Partial<IrlsOptions>);
    case 'l2':
      return createL2();
    case 'none':
      return createNone();
    default:
      throw new Error(`unknown solver '${name as string}'; known: ${SOLVER_NAMES.join(', ')}`);
  }
}
