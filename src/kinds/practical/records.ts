/** What a practical trial stores: one line of trials.jsonl (timing fields end in _ms, clock times in _at). */
import type { BaseFields } from '../../networks/records.ts';

export interface PracticalTrialRecord extends BaseFields {
  readonly corruption: number;
  readonly corrupted_count: number;
  /** Test accuracy (percent) of the trained, the contaminated and the purified network. */
  readonly clean_acc: number | null;
  readonly contaminated_acc: number | null;
  readonly purified_acc: number | null;
  /** purified_acc ≥ clean_acc − purification.margin. */
  readonly restored: boolean;
  /** ||θ^ − θ_T|| / ||θ_T − θ0|| over all purified layers, and per layer. */
  readonly rel_error: number | null;
  readonly layer_rel_errors: (number | null)[];
  /** rel_error ≤ purification.tolerance. */
  readonly success: boolean;
  readonly flagged_count: number;
  readonly detect_precision: number | null;
  readonly detect_recall: number | null;
  readonly status: string;
  readonly message?: string;
  readonly iterations: number | null;
  readonly train_acc: number | null;
  readonly train_loss_initial: number | null;
  readonly train_loss_final: number | null;
  /** ||Δ − P_A Δ|| / ||Δ|| of the clean update, per layer (0 up to float32 rounding when the theory applies). */
  readonly off_subspace: (number | null)[];
  readonly train_ms: number;
  readonly solve_ms: number;
  readonly finished_at: string;
}
