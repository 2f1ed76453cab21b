/** The unit a worker executes: one trial of one cell, with everything it needs to run on its own. */
import type { Trial } from '../plan/plan.ts';

export interface TrialTask<C = unknown> {
  readonly key: string;
  readonly sweep: string;
  /** Key of the cell the trial belongs to. */
  readonly cell: string;
  readonly index: number;
  /** The cell's swept values by dotted key path. */
  readonly grid: Readonly<Record<string, unknown>>;
  readonly config: C;
}

export function toTask<C>(trial: Trial<C>): TrialTask<C> {
  return { key: trial.key, sweep: trial.cell.sweep, cell: trial.cell.key, index: trial.index, grid: trial.cell.params, config: trial.cell.config };
}
