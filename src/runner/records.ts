/**
 * Which stored records a plan may use. A line of trials.jsonl is a finished trial of the plan only if it has the
 * kind's record shape and its key, sweep and cell agree with a trial of the plan; a record of another cell or
 * sweep is foreign (counted, never mixed in), one of a planned cell beyond its trial count is kept for a later
 * run with more trials (reporting on fewer trials uses a prefix).
 */
import type * as z from 'zod';
import type { StoredTrial, TrialTask } from '../core/trial.ts';
import { formatPath, validate } from '../schema/validate.ts';
import type { RecordCheck, RejectedLine } from './store.ts';

/** Lines that were rejected, named one by one (the first few), for an error or a log line. */
export class InvalidRecords extends Error {
  override name = 'InvalidRecords';
  constructor(
    readonly path: string,
    readonly lines: readonly RejectedLine[],
  ) {
    const shown = lines.slice(0, 5).map((l) => `line ${l.line}: ${l.reason}`);
    if (lines.length > 5) shown.push(`… and ${lines.length - 5} more`);
    super(
      `${path}: ${lines.length} stored line(s) are not valid trial records, so their trials are not done:\n  ${shown.join('\n  ')}\n` +
        `rerun with --repair to move them to trials.rejected.jsonl and rerun those trials (or --fresh to start over)`,
    );
  }
}

/** A check of one parsed line against the kind's record shape and the plan's trial of the same key. */
export function recordCheck(shape: z.ZodType, trials: readonly TrialTask<unknown>[]): RecordCheck {
  const byKey = new Map(trials.map((t) => [t.key, t]));
  return (value) => {
    const checked = validate(shape, value);
    if (!checked.ok) return checked.issues.slice(0, 3).map((i) => `${formatPath(i.path)}: ${i.message}`).join('; ');
    const record = value as StoredTrial;
    const task = byKey.get(record.key);
    if (task && (task.sweep !== record.sweep || task.cell !== record.cell)) {
      return `key ${record.key} belongs to sweep ${task.sweep}, cell ${task.cell}, but the record says sweep ${record.sweep}, cell ${record.cell}`;
    }
    return null;
  };
}

export type Membership = 'planned' | 'beyond' | 'foreign';

/** Whether a stored record is a trial of the plan, a later trial of a planned cell, or of no planned cell at all. */
export function membership(trials: readonly TrialTask<unknown>[]): (record: StoredTrial) => Membership {
  const keys = new Set(trials.map((t) => t.key));
  const cells = new Set(trials.map((t) => t.cell));
  return (record) => {
    if (keys.has(record.key)) return 'planned';
    const cut = record.key.lastIndexOf('/');
    const index = record.key.slice(cut + 1);
    return cells.has(record.key.slice(0, cut)) && record.cell === record.key.slice(0, cut) && /^\d+$/.test(index) ? 'beyond' : 'foreign';
  };
}
