/**
 * The plan: a resolved experiment config becomes the list of cells (one per grid point of each sweep) and
 * trials (cell × trial index). Pure: no I/O, no randomness; the same config always gives the same plan.
 */
import type { CommonConfig } from '../config/common-schema.ts';
import type { Issue, Schema } from '../config/schema.ts';
import { schemaAt } from '../config/schema.ts';
import { stableHash } from '../util/canonical.ts';
import { cartesian, gridAxes, type AxisKind } from './grid.ts';

/** One grid point of one sweep: a complete config for its trials. */
export interface Cell<C = unknown> {
  readonly sweep: string;
  /** Swept values by dotted key path, e.g. {'model.width': 16, 'contamination.fraction': 0.2}. */
  readonly params: Readonly<Record<string, unknown>>;
  /** The experiment config with this cell's values applied (and `sweeps` removed). */
  readonly config: C;
  readonly key: string;
}

export interface Trial<C = unknown> {
  readonly cell: Cell<C>;
  /** 0-based trial number within the cell. */
  readonly index: number;
  /** Unique within the experiment; the resumption key in trials.jsonl. */
  readonly key: string;
}

export interface Plan<C = unknown> {
  readonly cells: readonly Cell<C>[];
  readonly trials: readonly Trial<C>[];
}

/** What kind of grid leaf a key path is, read off the schema. */
export function axisKindIn(schema: Schema): (path: readonly string[]) => AxisKind | undefined {
  return (path) => {
    const node = schemaAt(schema, path);
    if (!node) return undefined;
    if (node.kind === 'object') return 'section';
    if (node.kind === 'number') return node.integer ? 'integer' : 'number';
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
export function expandSweeps(raw: Record<string, unknown>, schema: Schema): { cells: RawCell[]; issues: Issue[] } {
  const { sweeps, ...base } = raw;
  const cells: RawCell[] = [];
  const issues: Issue[] = [];
  for (const [sweep, spec] of Object.entries((sweeps ?? {}) as Record<string, { grid?: unknown }>)) {
    const gridPath = ['sweeps', sweep, 'grid'];
    const found = gridAxes(spec?.grid, axisKindIn(schema), gridPath);
    issues.push(...found.issues);
    if (found.issues.length) continue;
    for (const assignment of cartesian(found.axes)) {
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

/** A validated cell: key from the sweep and its swept values. */
export function makeCell<C>(raw: RawCell, config: C): Cell<C> {
  return { sweep: raw.sweep, params: raw.params, config, key: `${raw.sweep}/${stableHash(raw.params, 12)}` };
}

export function buildPlan<C extends CommonConfig>(cells: readonly Cell<C>[], trialsPerCell: (cell: Cell<C>) => number): Plan<C> {
  const trials = cells.flatMap((cell) =>
    Array.from({ length: trialsPerCell(cell) }, (_, index) => ({ cell, index, key: `${cell.key}/${index}` })),
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
