/** What a synthetic trial stores: one line of trials.jsonl (timing fields end in _ms, clock times in _at). */
import type { StoredTrial } from '../../core/trial.ts';

export interface SyntheticTrialRecord extends StoredTrial {
  readonly trial: number;
  readonly grid: Readonly<Record<string, unknown>>;
  readonly seed: number;
  readonly layer: string;
  readonly subspace: string;
  readonly mode: string;
  readonly solver: string;
  readonly width: number;
  readonly samples: number;
  /** m: number of recovered coordinates. */
  readonly params: number;
  readonly steps: number;
  readonly lr: number;
  readonly corruption: number;
  readonly corrupted_count: number;
  readonly rel_error: number | null;
  readonly success: boolean;
  /** rel_error ≤ tolerance + stability · off_subspace (equals `success` when the update lies in the subspace). */
  readonly stable_success: boolean;
  readonly status: string;
  readonly message?: string;
  readonly iterations: number | null;
  readonly objective: number | null;
  readonly train_loss_initial: number | null;
  readonly train_loss_final: number | null;
  /** Share of activation gates that differ between θ0 and θ_T (moved, or ignored by the linearized model). */
  readonly flipped_share: number | null;
  /** ||Δ − P_A Δ|| / ||Δ||: how far the clean update lies outside the subspace. */
  readonly off_subspace: number | null;
  readonly train_ms: number;
  readonly solve_ms: number;
  readonly finished_at: string;
}
