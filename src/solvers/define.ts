/**
 * What a solver module declares about itself: its name (the value of `solver.name` in a config), a one-line
 * description, its options (a zod schema with defaults: the only place they are written) and its constructor.
 * src/solvers/registry.ts lists the definitions; adding a solver is one module and one entry there.
 */
import type * as z from 'zod';
import type { Solver } from './types.ts';

export interface SolverDefinition<N extends string = string, O extends z.ZodObject = z.ZodObject> {
  readonly name: N;
  readonly description: string;
  readonly options: O;
  /** The solver for a spec's options; missing options take their declared defaults. */
  create(options: unknown): Promise<Solver>;
  /**
   * Working memory of one solve, in multiples of the float32 subspace it is given (m·n·4 bytes): the memory
   * estimate of `--dry-run` and the check before a run (src/plan/footprint.ts). Measured as a synthetic trial's
   * peak RSS growth over 4·m·n at m = 180,000, n = 40, so it includes the trial's own arrays (docs/output-folder.md).
   */
  readonly workspace: number;
}

/** The tensor solvers' measured workspace (admm 12.2, irls 10.6, active-set 10.8, pdhg 12.9; rounded up). */
export const TENSOR_WORKSPACE = 13;

export function defineSolver<N extends string, O extends z.ZodObject>(
  name: N,
  description: string,
  options: O,
  create: (options: z.output<O>) => Solver | Promise<Solver>,
  workspace: number = TENSOR_WORKSPACE,
): SolverDefinition<N, O> {
  return { name, description, options, workspace, create: async (raw) => create(options.parse(raw)) };
}
