/** Solvers are created once per thread and reused across work units (HiGHS loads its wasm once, tensor solvers keep their caches). */
import { canonicalJson } from '../util/canonical.ts';
import { createSolver, type SolverSpecInput } from './registry.ts';
import type { Solver } from './types.ts';

export class SolverPool {
  private readonly solvers = new Map<string, Promise<Solver>>();

  get(spec: SolverSpecInput): Promise<Solver> {
    const key = canonicalJson(spec);
    if (!this.solvers.has(key)) this.solvers.set(key, createSolver(spec));
    return this.solvers.get(key)!;
  }

  async dispose(): Promise<void> {
    for (const solver of this.solvers.values()) (await solver).dispose?.();
    this.solvers.clear();
  }
}
