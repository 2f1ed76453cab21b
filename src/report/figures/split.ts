/** Splitting summary rows into one figure per combination of the fields that vary, and naming the files. */
import { groupBy } from '../../util/collections.ts';

export interface RowPart<R> {
  /** e.g. "solver admm, width 32"; '' when nothing varies. */
  readonly label: string;
  readonly rows: R[];
}

/**
 * Rows split by those of `fields` that take more than one value, each part labelled "<title> <value>, …"
 * in first-seen order. A figure passes the fields that identify a cell apart from its own axes.
 */
export function splitRows<R extends object, F extends keyof R & string>(rows: readonly R[], fields: readonly F[], title: (field: F) => string = (f) => f): RowPart<R>[] {
  const varying = fields.filter((f) => new Set(rows.map((r) => r[f])).size > 1);
  const parts = groupBy(rows, (r) => varying.map((f) => `${title(f)} ${String(r[f])}`).join(', '));
  return [...parts.entries()].map(([label, part]) => ({ label, rows: part }));
}

/** `<sweep>-<what>[-<label as a file name>]`, e.g. by-width-phase-width-solver-admm. */
export function figureName(sweep: string, what: string, label: string): string {
  const suffix = label ? '-' + label.replace(/[^A-Za-z0-9.]+/g, '-').replace(/-+$/, '') : '';
  return `${sweep}-${what}${suffix}`;
}
