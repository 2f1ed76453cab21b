/**
 * Work units: pending trials grouped by family (shared training, one solver batch), split by trial index
 * when there are too few families to keep every worker busy, and ordered largest first.
 */
import type { ExperimentConfig } from '../config/kinds.ts';
import { pipelineFor } from '../pipeline/index.ts';
import type { TrialTask } from '../pipeline/task.ts';

export interface WorkUnit {
  readonly id: number;
  readonly tasks: readonly TrialTask<ExperimentConfig>[];
  readonly cost: number;
}

export function makeUnits(tasks: readonly TrialTask<ExperimentConfig>[], workers: number): WorkUnit[] {
  const families = new Map<string, TrialTask<ExperimentConfig>[]>();
  for (const task of tasks) {
    const key = pipelineFor(task).family(task);
    if (!families.has(key)) families.set(key, []);
    families.get(key)!.push(task);
  }
  // Aim for at least three units per worker so the last unit does not leave a core idle for long.
  const splits = Math.max(1, Math.ceil((3 * workers) / Math.max(1, families.size)));
  const groups = [...families.values()].flatMap((family) => splitByTrial(family, splits));
  return groups
    .map((group) => ({ tasks: group, cost: group.reduce((sum, t) => sum + pipelineFor(t).cost(t), 0) }))
    .sort((a, b) => b.cost - a.cost)
    .map((unit, id) => ({ id, ...unit }));
}

/** Split a family into up to `parts` groups of whole trial indices (trials of one index share a network). */
function splitByTrial(family: TrialTask<ExperimentConfig>[], parts: number): TrialTask<ExperimentConfig>[][] {
  const indices = [...new Set(family.map((t) => t.index))].sort((a, b) => a - b);
  const count = Math.min(parts, indices.length);
  if (count <= 1) return [family];
  const groups: TrialTask<ExperimentConfig>[][] = Array.from({ length: count }, () => []);
  const slot = new Map(indices.map((index, i) => [index, Math.floor((i * count) / indices.length)]));
  for (const task of family) groups[slot.get(task.index)!].push(task);
  return groups;
}
