/** Running one work unit in the current thread: the same code path for in-process and worker execution. */
import { useBackend, type BackendName } from '../tensor/backend.ts';
import { pipelineFor } from '../pipeline/index.ts';
import { SolverPool } from '../pipeline/solver-pool.ts';
import type { StoredTrial } from './store.ts';
import type { WorkUnit } from './units.ts';

export class UnitExecutor {
  private readonly solvers = new SolverPool();

  static async create(backend: BackendName): Promise<UnitExecutor> {
    await useBackend(backend);
    return new UnitExecutor();
  }

  async run(unit: WorkUnit): Promise<StoredTrial[]> {
    if (unit.tasks.length === 0) return [];
    return pipelineFor(unit.tasks[0]).run(unit.tasks, { solvers: this.solvers });
  }

  async dispose(): Promise<void> {
    await this.solvers.dispose();
  }
}
