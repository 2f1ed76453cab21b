/**
 * What a synthetic trial stores: one line of trials.jsonl (timing fields end in _ms, clock times in _at). Declared
 * as a zod shape so that a stored line is checked against it when read back (src/runner/records.ts).
 */
import * as z from 'zod';
import { StoredTrial } from '../../core/trial.ts';

const maybe = z.number().nullable();

export const SyntheticTrialRecord = StoredTrial.extend({
  trial: z.number().int(),
  grid: z.record(z.string(), z.unknown()),
  seed: z.number(),
  layer: z.string(),
  subspace: z.string(),
  mode: z.string(),
  solver: z.string(),
  width: z.number(),
  samples: z.number(),
  /** m: number of recovered coordinates. */
  params: z.number(),
  steps: z.number(),
  lr: z.number(),
  corruption: z.number(),
  corrupted_count: z.number(),
  rel_error: maybe,
  success: z.boolean(),
  /** rel_error ≤ tolerance + stability · off_subspace (equals `success` when the update lies in the subspace). */
  stable_success: z.boolean(),
  status: z.string(),
  message: z.string().optional(),
  iterations: maybe,
  objective: maybe,
  train_loss_initial: maybe,
  train_loss_final: maybe,
  /** Share of activation gates that differ between θ0 and θ_T (moved, or ignored by the linearized model). */
  flipped_share: maybe,
  /** ||Δ − P_A Δ|| / ||Δ||: how far the clean update lies outside the subspace. */
  off_subspace: maybe,
  train_ms: z.number(),
  solve_ms: z.number(),
  finished_at: z.string(),
});
export type SyntheticTrialRecord = Readonly<z.output<typeof SyntheticTrialRecord>>;
