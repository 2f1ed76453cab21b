/** Baseline: no repair, delta = b (the contaminated update is kept as it is). Non-finite input still fails. */
import * as z from 'zod';
import { defineSolver } from './define.ts';
import { checkBatchShape, failedResult, invalidReason } from './linalg.ts';
import type { L1Problem, SolveResult, Solver } from './types.ts';

export function createNone(): Solver {
  return {
    name: 'none',
    async solve(problems: readonly L1Problem[]): Promise<SolveResult[]> {
      checkBatchShape(problems);
      return problems.map((p, k): SolveResult => {
        const invalid = invalidReason(p, k);
        if (invalid) return failedResult(p.A.m, invalid);
        return { delta: Float64Array.from(p.b), status: 'converged', message: 'no repair', iterations: 0, objective: 0, solveMs: 0 };
      });
    },
  };
}

export const none = defineSolver('none', 'baseline: no repair (θ^ = θ~)', z.strictObject({}), createNone);
