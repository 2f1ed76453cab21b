/**
 * Work units: pending trials grouped by family (shared training, one solver batch), split by trial index
 * when there are too few families to keep every worker busy, and ordered largest first.
 */
import type { CommonConfig } from '../core/config.ts';
import type { ExperimentKind } from '../core/kind.ts';
import type { TrialTask } from '../core/trial.ts';
import { groupBy } from '../util/collections.ts';

export interface WorkUnit<C = CommonConfig> {
  readonly id: number;
  readonly tasks: readonly TrialTask<C>[];
  readonly cost: number;
}

export function makeUnits<C extends CommonConfig>(tasks: readonly TrialTask<C>[], workers: number, kind: Pick<ExperimentKind<C>, 'family' | 'cost'>): WorkUnit<C>[] {
  const families = groupBy(tasks, (task) => kind.family(task));
  // Aim for at least three units per worker so the last unit does not leave a core idle for long.
  const splits = Math.max(1, Math.ceil((3 * workers) / Math.max(1, families.size)));
  const groups = [...families.values()].flatMap((family) => splitByTrial(family, splits));
  return groups
    .map((group) => ({ tasks: group, cost: group.reduce((sum, t) => sum + kind.cost(t), 0) }))
    .sort((a, b) => b.cost - a.cost)
    .map((unit, id) => ({ id, ...unit }));
}

/** Split a family into up to `parts` groups of whole trial indices (trials of one index share a network). */
function splitByTrial<T extends { readonly index: number }>(family: T[], parts: number): T[][] {
  const indices = [...new Set(family.map((t) => t.index))].sort((a, b) => a - b);
  const count = Math.min(parts, indices.length);
  if (count <= 1) return [family];
  const groups: T[][] = Array.from({ length: count }, () => []);
  const slot = new Map(indices.map((index, i) => [index, Math.floor((i * count) / indices.length)]));
  for (const task of family) groups[slot.get(task.index)!].push(task);
  return groups;
}
