/** What a practical trial stores: one line of trials.jsonl (timing fields end in _ms, clock times in _at); checked when read back. */
import * as z from 'zod';
import { BaseFields } from '../../networks/records.ts';

const maybe = z.number().nullable();

export const PracticalTrialRecord = BaseFields.extend({
  corruption: z.number(),
  corrupted_count: z.number(),
  /** Test accuracy (percent) of the trained, the contaminated and the purified network. */
  clean_acc: maybe,
  contaminated_acc: maybe,
  purified_acc: maybe,
  /** purified_acc ≥ clean_acc − purification.margin. */
  restored: z.boolean(),
  /** ||θ^ − θ_T|| / ||θ_T − θ0|| over all purified layers, and per layer. */
  rel_error: maybe,
  layer_rel_errors: z.array(maybe),
  /** rel_error ≤ purification.tolerance. */
  success: z.boolean(),
  flagged_count: z.number(),
  detect_precision: maybe,
  detect_recall: maybe,
  status: z.string(),
  message: z.string().optional(),
  iterations: maybe,
  train_acc: maybe,
  train_loss_initial: maybe,
  train_loss_final: maybe,
  /** ||Δ − P_A Δ|| / ||Δ|| of the clean update, per layer (0 up to float32 rounding when the theory applies). */
  off_subspace: z.array(maybe),
  train_ms: z.number(),
  solve_ms: z.number(),
  finished_at: z.string(),
});
export type PracticalTrialRecord = Readonly<z.output<typeof PracticalTrialRecord>>;
