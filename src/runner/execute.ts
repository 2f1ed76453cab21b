/** Running one work unit of a kind in the current thread: the same code path for in-process and worker execution. */
import type { CommonConfig } from '../core/config.ts';
import type { ExperimentKind } from '../core/kind.ts';
import type { StoredTrial } from '../core/trial.ts';
import { SolverPool } from '../solvers/pool.ts';
import { useBackend, type BackendName } from '../tensor/backend.ts';
import type { WorkUnit } from './units.ts';

/** What the executor needs of a kind: how it runs trials. */
export type Runs<C extends CommonConfig, R extends StoredTrial> = Pick<ExperimentKind<C, R>, 'run'>;

export class UnitExecutor<C extends CommonConfig, R extends StoredTrial> {
  private readonly solvers = new SolverPool();

  private constructor(private readonly kind: Runs<C, R>) {}

  static async create<C extends CommonConfig, R extends StoredTrial>(kind: Runs<C, R>, backend: BackendName): Promise<UnitExecutor<C, R>> {
    await useBackend(backend);
    return new UnitExecutor(kind);
  }

  async run(unit: WorkUnit<C>): Promise<R[]> {
    if (unit.tasks.length === 0) return [];
    return this.kind.run(unit.tasks, { solvers: this.solvers });
  }

  async dispose(): Promise<void> {
    await this.solvers.dispose();
  }
}
