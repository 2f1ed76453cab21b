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
}

export function defineSolver<N extends string, O extends z.ZodObject>(
  name: N,
  description: string,
  options: O,
  create: (options: z.output<O>) => Solver | Promise<Solver>,
): SolverDefinition<N, O> {
  return { name, description, options, create: async (raw) => create(options.parse(raw)) };
}
