/**
 * The plan: a validated experiment becomes cells (one per grid point of each sweep) and trial tasks (cell × trial
 * index). Pure: no I/O, no randomness; the same config always gives the same plan, and every key is derived from
 * what a cell or trial is, never from where it sits in the plan.
 */
import { totalmem } from 'node:os';
import type { CommonConfig } from '../core/config.ts';
import type { Cell, TrialTask } from '../core/trial.ts';
import type { JsonSchema } from '../schema/json.ts';
import type { Issue } from '../schema/validate.ts';
import { stableHash } from '../util/canonical.ts';
import { cartesian, gridAxes, type AxisKind } from './grid.ts';

export interface Plan<C> {
  readonly cells: readonly Cell<C>[];
  readonly trials: readonly TrialTask<C>[];
}

/** What kind of grid leaf a key path is, read off the JSON Schema of the config. */
export function axisKindIn(schema: JsonSchema): (path: readonly string[]) => AxisKind | undefined {
  return (path) => {
    let node: JsonSchema | undefined = schema;
    for (const key of path) node = node?.type === 'object' ? node.properties?.[key] : undefined;
    if (!node) return undefined;
    if (node.type === 'object' && node.properties) return 'section';
    if (node.type === 'integer') return 'integer';
    if (node.type === 'number') return 'number';
    return 'value';
  };
}

/** A grid point before validation: the raw config with the point's values applied. */
export interface RawCell {
  readonly sweep: string;
  readonly params: Readonly<Record<string, unknown>>;
  /** Where each swept value was written in the experiment file (for error messages). */
  readonly origins: Readonly<Record<string, readonly (string | number)[]>>;
  readonly raw: Record<string, unknown>;
}

/**
 * Expand every sweep's grid over a composed (raw) config, in sweep order then grid order. Values are applied
 * before validation, so defaults and normal forms (e.g. `solver: highs` → a full solver spec) are filled in
 * per cell by the same validation as the base config.
 */
export function expandSweeps(
  raw: Record<string, unknown>,
  kindOf: (path: readonly string[]) => AxisKind | undefined,
  limits: PlanLimits = DEFAULT_LIMITS,
): { cells: RawCell[]; issues: Issue[] } {
  const { sweeps, ...base } = raw;
  const cells: RawCell[] = [];
  const issues: Issue[] = [];
  const found = Object.entries((sweeps ?? {}) as Record<string, { grid?: unknown }>).map(([sweep, spec]) => ({ sweep, ...gridAxes(spec?.grid, kindOf, ['sweeps', sweep, 'grid']) }));
  for (const f of found) issues.push(...f.issues);
  if (issues.length) return { cells, issues };
  // Count before expanding: a 10-million-cell grid must be an error, not an exhausted heap.
  const total = found.reduce((sum, f) => sum + f.axes.reduce((n, a) => n * a.values.length, 1), 0);
  const trials = typeof base.trials === 'number' ? base.trials : 1;
  if (total > limits.cells) issues.push({ path: ['sweeps'], message: `the sweeps define ${total} cells, more than the limit of ${limits.cells}; make the grid coarser or raise the limit with --max-cells` });
  else if (total * trials > limits.trials) issues.push({ path: ['sweeps'], message: `the sweeps define ${total} cells × ${trials} trials = ${total * trials} trials, more than the limit of ${limits.trials}; raise it with --max-trials` });
  if (issues.length) return { cells, issues };
  for (const { sweep, axes } of found) {
    const gridPath = ['sweeps', sweep, 'grid'];
    for (const assignment of cartesian(axes)) {
      const cellRaw = structuredClone(base);
      const params: Record<string, unknown> = {};
      const origins: Record<string, readonly (string | number)[]> = {};
      for (const { path, value } of assignment) {
        setIn(cellRaw, path, value);
        params[path.join('.')] = value;
        origins[path.join('.')] = [...gridPath, ...path];
      }
      cells.push({ sweep, params, origins, raw: cellRaw });
    }
  }
  return { cells, issues };
}

/** How large a plan may be before it is refused (raised on the command line by --max-cells, --max-trials, --max-memory). */
export interface PlanLimits {
  readonly cells: number;
  readonly trials: number;
  /** Bytes the run's workers may hold at once, by the estimate of plan/footprint.ts. */
  readonly memory: number;
}

/** The memory limit defaults to 80 % of this machine's memory. */
export const DEFAULT_LIMITS: PlanLimits = { cells: 10_000, trials: 200_000, memory: Math.floor(0.8 * totalmem()) };

/** A validated cell: key from the sweep and its swept values. */
export function makeCell<C>(raw: RawCell, config: C): Cell<C> {
  return { sweep: raw.sweep, params: raw.params, config, key: `${raw.sweep}/${stableHash(raw.params, 12)}` };
}

/** Every cell's trials, `config.trials` of them, in cell order. */
export function buildPlan<C extends CommonConfig>(cells: readonly Cell<C>[]): Plan<C> {
  const trials = cells.flatMap((cell) =>
    Array.from({ length: cell.config.trials }, (_, index) => ({ key: `${cell.key}/${index}`, sweep: cell.sweep, cell: cell.key, index, grid: cell.params, config: cell.config })),
  );
  return { cells, trials };
}

function setIn(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]] = structuredClone(value);
}
