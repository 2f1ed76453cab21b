/**
 * The solvers a config can name, and the schema of `solver:` built from their own declarations. A spec is a
 * solver name (`solver: admm`) or a mapping with `name` and that solver's options; every option has a default,
 * so a name alone is a complete spec. Every spec may add `polish` (the polish stage of polish.ts: true, or its
 * options) and `label` (the name shown in tables and figures). A grid may sweep solvers:
 * `solver: [highs, admm, {name: pdhg, operator: basis}]`.
 *
 * Choosing: `highs` is the exact reference (float64 LP, ~0.1–0.3 s at 576×100). `active-set` is exact too (vertex
 * descent specialised for l1 regression, certified by its dual, HiGHS as its fallback) and needs no backend. `admm` is the fast batched
 * tensor solver; it certifies its answers itself (polish + dual certificate), so `polish` adds nothing to it.
 * `pdhg` (matmul-only iteration) and `irls` are alternative tensor solvers for the comparison; `l2` and `none`
 * are baselines. The tensor solvers need a tfjs backend: call useBackend() first (src/tensor/backend.ts).
 */
import * as z from 'zod';
import { oneOfByName, type Shape } from '../schema/define.ts';
import { activeSet } from './active-set.ts';
import { admm } from './admm.ts';
import type { SolverDefinition } from './define.ts';
import { highs } from './highs.ts';
import { irls } from './irls.ts';
import { l2 } from './l2.ts';
import { none } from './none.ts';
import { pdhg } from './pdhg.ts';
import { polishOptions, withPolish } from './polish.ts';
import type { Solver } from './types.ts';

/** Every solver, one entry each. */
const SOLVERS = [highs, activeSet, admm, pdhg, irls, l2, none] as const;

const common = {
  polish: z.union([z.boolean(), polishOptions]).default(false).describe('after solving, refit least squares on the coordinates with the smallest residuals (src/solvers/polish.ts)'),
  label: z.string().default('').describe("name shown in tables and figures (default: the solver's name, with '+polish' when polished)"),
};

/** The spec of one solver. The return type is spelt out because a spread of the generic shape O['shape'] would otherwise drop the solver's options from the inferred type (SolverSpecInput would then reject `{ name: 'admm', maxIterations: 100 }`). */
function variant<N extends string, O extends z.ZodObject>(solver: SolverDefinition<N, O>): z.ZodObject<{ name: z.ZodLiteral<N> } & O['shape'] & typeof common, z.core.$strict> {
  return z.strictObject({ name: z.literal(solver.name), ...solver.options.shape, ...common }).describe(solver.description);
}

type Solvers = (typeof SOLVERS)[number];
type Variants = { readonly [S in Solvers as S['name']]: ReturnType<typeof variant<S['name'], S['options']>> };

function variants(): Variants {
  // One variant per definition; the mapped type spells out what Object.fromEntries cannot infer.
  return Object.fromEntries(SOLVERS.map((s) => [s.name, variant(s)])) as Variants;
}

/** `solver:` in a config. */
export const solverSpec = oneOfByName('name', variants()).prefault('highs').describe('how the l1 recovery problem is solved');

export type SolverSpec = Shape<typeof solverSpec>;
/** A spec as a caller may write it: a name, or a mapping with any subset of that solver's options. */
export type SolverSpecInput = NonNullable<z.input<typeof solverSpec>>;
export type SolverName = SolverSpec['name'];

export const SOLVER_NAMES: readonly SolverName[] = SOLVERS.map((s) => s.name);

/** Working memory of one solve by `name`, in multiples of the float32 subspace (define.ts). */
export function solverWorkspace(name: SolverName): number {
  return SOLVERS.find((s) => s.name === name)?.workspace ?? 0;
}

/** The complete spec a name stands for (every option at its default). */
export function defaultSpec(name: SolverName): SolverSpec {
  return solverSpec.parse(name);
}

/** Build the solver a spec describes (defaults fill what the spec leaves out). */
export async function createSolver(input: SolverSpecInput): Promise<Solver> {
  const name = typeof input === 'string' ? input : input.name;
  const definition = SOLVERS.find((s) => s.name === name);
  if (!definition) throw new Error(`unknown solver '${String(name)}'; known: ${SOLVER_NAMES.join(', ')}`);
  const { name: _name, polish, label: _label, ...options } = solverSpec.parse(input);
  const solver = await definition.create(options);
  return polish ? withPolish(solver, polish === true ? {} : polish) : solver;
}

/** The name shown in tables and figures: the spec's label, else its name, with '+polish' when a polish stage follows. */
export function solverLabel(spec: Pick<SolverSpec, 'name' | 'polish' | 'label'>): string {
  if (spec.label) return spec.label;
  return spec.polish ? `${spec.name}+polish` : spec.name;
}
