/** Solvers are created once per process and reused across work units (HiGHS loads its wasm once). */
import { createSolver, type SolverSpec } from '../solvers/registry.ts';
import type { Solver } from '../solvers/types.ts';
import { canonicalJson } from '../util/canonical.ts';

export class SolverPool {
  private readonly solvers = new Map<string, Promise<Solver>>();

  get(spec: SolverSpec): Promise<Solver> {
    const key = canonicalJson(spec);
    if (!this.solvers.has(key)) this.solvers.set(key, createSolver(spec));
    return this.solvers.get(key)!;
  }

  async dispose(): Promise<void> {
    for (const solver of this.solvers.values()) (await solver).dispose?.();
    this.solvers.clear();
  }
}
