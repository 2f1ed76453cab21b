/** What a backdoor trial stores: one line of trials.jsonl (accuracies and rates in percent, timing fields end in _ms). */
import type { BaseFields } from '../../networks/records.ts';

export interface BackdoorTrialRecord extends BaseFields {
  readonly poison_rate: number;
  readonly target: number;
  readonly poisoned_count: number;
  /** The clean network (before the attack). */
  readonly clean_acc: number | null;
  readonly asr_clean: number | null;
  /** The backdoored network. */
  readonly contaminated_acc: number | null;
  readonly asr_before: number | null;
  /** The purified network. */
  readonly purified_acc: number | null;
  readonly asr_after: number | null;
  /** The baseline defence: fine-tuning the backdoored network on the benign inputs. */
  readonly baseline_clean_acc: number | null;
  readonly baseline_asr_after: number | null;
  /** ||Δ_bd − Δ_clean|| / ||Δ_clean||: size of the attack's change. */
  readonly attack_size: number | null;
  /** Share of the attack's change outside the benign subspace (per layer). */
  readonly attack_off_subspace: (number | null)[];
  /** ||Δ^ − Δ_clean|| / ||Δ_clean||: how close purification gets to the clean network. */
  readonly rel_error_to_clean: number | null;
  readonly flagged_count: number;
  readonly status: string;
  readonly message?: string;
  readonly iterations: number | null;
  readonly train_ms: number;
  readonly attack_ms: number;
  readonly finetune_ms: number;
  readonly solve_ms: number;
  readonly finished_at: string;
}
