/**
 * Sweep grids. A grid is written nested like the config it varies; each leaf is an axis:
 *
 *   model: { width: [8, 16, 32] }                               a list
 *   contamination: { fraction: { start: 0, stop: 0.6, step: 0.05 } }   a range, both ends included
 *   data: { samples: { start: 10, stop: 320, num: 6, scale: log } }   num points, linear or geometric
 *   recovery: { layer: hidden }                                  a single value
 *
 * Cells are the cartesian product of the axes, first axis outermost.
 */
import { isPlainObject, show, type Issue } from '../schema/validate.ts';
import { canonicalJson } from '../util/canonical.ts';

export interface Axis {
  /** Config key path the axis sets, e.g. ['model', 'width']. */
  readonly path: readonly string[];
  readonly values: readonly unknown[];
}

const RANGE_KEYS = ['start', 'stop', 'step', 'num', 'scale'];

/** What a grid key path names in the config: a section to descend into, or a leaf of some kind. */
export type AxisKind = 'section' | 'integer' | 'number' | 'value';

/**
 * Walk the nested grid and return its axes. `kindOf(path)` says what the key path is in the config schema
 * (undefined: no such key), so a geometric range of widths rounds to distinct integers and a mapping under a
 * section is descended into. Problems are returned as issues under `gridPath`.
 */
export function gridAxes(
  grid: unknown,
  kindOf: (path: readonly string[]) => AxisKind | undefined,
  gridPath: readonly (string | number)[],
): { axes: Axis[]; issues: Issue[] } {
  const axes: Axis[] = [];
  const issues: Issue[] = [];
  const walk = (node: unknown, path: string[]) => {
    const kind = path.length === 0 ? 'section' : kindOf(path);
    const where = [...gridPath, ...path];
    if (kind === undefined) {
      issues.push({ path: where, message: `unknown key '${path[path.length - 1]}': the grid can only vary keys the config has` });
      return;
    }
    if (kind === 'section') {
      if (!isPlainObject(node)) issues.push({ path: where, message: `expected a mapping of keys to sweep under '${path.join('.') || 'grid'}', got ${show(node)}` });
      else for (const [key, child] of Object.entries(node)) walk(child, [...path, key]);
      return;
    }
    const expanded = kind === 'value' && isPlainObject(node) && !isRange(node) ? [node] : expandAxis(node, kind === 'integer');
    const repeated = typeof expanded === 'string' ? undefined : firstRepeat(expanded);
    if (typeof expanded === 'string') issues.push({ path: where, message: expanded });
    else if (repeated !== undefined) issues.push({ path: where, message: `the value ${show(repeated)} is listed twice (0 and -0 count as one); each value makes one cell, so list it once` });
    else axes.push({ path, values: expanded });
  };
  if (grid === undefined || grid === null) return { axes, issues };
  walk(grid, []);
  return { axes, issues };
}

/** The first value equal (as JSON) to an earlier one: two such grid values would make two cells with one key. */
function firstRepeat(values: readonly unknown[]): unknown {
  const seen = new Set<string>();
  for (const value of values) {
    const key = canonicalJson(value);
    if (seen.has(key)) return value;
    seen.add(key);
  }
  return undefined;
}

function isRange(node: Record<string, unknown>): boolean {
  return 'start' in node || 'stop' in node;
}

/** The values of one axis, or a message saying what is wrong with it. */
export function expandAxis(spec: unknown, integer: boolean): unknown[] | string {
  if (Array.isArray(spec)) return spec.length > 0 ? spec : 'expected at least one value, got an empty list';
  if (!isPlainObject(spec)) return [spec];
  const extra = Object.keys(spec).filter((k) => !RANGE_KEYS.includes(k));
  if (extra.length) return `unknown range key '${extra[0]}'; a range has start, stop and step or num (and optional scale: linear|log)`;
  const { start, stop, step, num, scale = 'linear' } = spec;
  if (typeof start !== 'number' || typeof stop !== 'number') return `expected numeric start and stop, got start ${show(start)}, stop ${show(stop)}`;
  if ((step === undefined) === (num === undefined)) return 'expected exactly one of step or num';
  if (scale !== 'linear' && scale !== 'log') return `expected scale linear or log, got ${show(scale)}`;
  let values: number[];
  if (step !== undefined) {
    if (scale !== 'linear') return 'a log range takes num, not step';
    if (typeof step !== 'number' || !(step > 0)) return `expected step > 0, got ${show(step)}`;
    if (stop < start) return `expected stop ≥ start, got ${start}..${stop}`;
    const count = Math.floor((stop - start) / step + 1e-9) + 1;
    if (count > 100_000) return `range has ${count} values; expected at most 100000`;
    values = Array.from({ length: count }, (_, i) => tidy(start + i * step));
  } else {
    if (typeof num !== 'number' || !Number.isInteger(num) || num < 1) return `expected num to be an integer ≥ 1, got ${show(num)}`;
    if (scale === 'log' && !(start > 0 && stop > 0)) return `a log range needs start, stop > 0, got ${start}..${stop}`;
    values = Array.from({ length: num }, (_, i) => {
      const t = num === 1 ? 0 : i / (num - 1);
      return tidy(scale === 'log' ? start * (stop / start) ** t : start + t * (stop - start));
    });
  }
  if (integer) values = [...new Set(values.map(Math.round))];
  return values;
}

/** Remove floating-point noise such as 0.30000000000000004 so values print and hash cleanly. */
function tidy(x: number): number {
  return Number(x.toPrecision(12));
}

/** Every combination of axis values, first axis outermost: [{path, value}...] per cell. */
export function cartesian(axes: readonly Axis[]): { path: readonly string[]; value: unknown }[][] {
  let cells: { path: readonly string[]; value: unknown }[][] = [[]];
  for (const axis of axes) {
    cells = cells.flatMap((cell) => axis.values.map((value) => [...cell, { path: axis.path, value }]));
  }
  return cells;
}
