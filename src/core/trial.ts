/**
 * What the plan hands the runner and the runner hands a kind: cells (grid points) and trial tasks (cell × trial
 * index), and what comes back and is stored, one line of trials.jsonl per trial.
 */
import * as z from 'zod';

/** One grid point of one sweep: a complete config for its trials. */
export interface Cell<C> {
  readonly sweep: string;
  /** Swept values by dotted key path, e.g. {'model.width': 16, 'contamination.fraction': 0.2}. */
  readonly params: Readonly<Record<string, unknown>>;
  /** The experiment config with this cell's values applied (and `sweeps` emptied). */
  readonly config: C;
  /** `<sweep>/<hash of params>`: stable across runs, the prefix of its trials' keys. */
  readonly key: string;
}

/** One trial of one cell, with everything it needs to run on its own (in any thread, in any order). */
export interface TrialTask<C> {
  /** `<cell key>/<index>`: unique within the experiment; the resumption key in trials.jsonl. */
  readonly key: string;
  readonly sweep: string;
  /** Key of the cell the trial belongs to. */
  readonly cell: string;
  /** 0-based trial number within the cell. */
  readonly index: number;
  /** The cell's swept values by dotted key path. */
  readonly grid: Readonly<Record<string, unknown>>;
  readonly config: C;
}

/** A finished trial as stored in trials.jsonl: its key and the fields its kind records (each kind extends this shape). */
export const StoredTrial = z.object({ key: z.string(), sweep: z.string(), cell: z.string() });
export type StoredTrial = Readonly<z.output<typeof StoredTrial>>;
