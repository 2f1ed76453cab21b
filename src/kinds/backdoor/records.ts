/** What a backdoor trial stores: one line of trials.jsonl (accuracies and rates in percent, timing fields end in _ms); checked when read back. */
import * as z from 'zod';
import { BaseFields } from '../../networks/records.ts';

const maybe = z.number().nullable();

export const BackdoorTrialRecord = BaseFields.extend({
  poison_rate: z.number(),
  target: z.number(),
  poisoned_count: z.number(),
  /** The clean network (before the attack). */
  clean_acc: maybe,
  asr_clean: maybe,
  /** The backdoored network. */
  contaminated_acc: maybe,
  asr_before: maybe,
  /** The purified network. */
  purified_acc: maybe,
  asr_after: maybe,
  /** The baseline defence: fine-tuning the backdoored network on the benign inputs. */
  baseline_clean_acc: maybe,
  baseline_asr_after: maybe,
  /** ||Δ_bd − Δ_clean|| / ||Δ_clean||: size of the attack's change. */
  attack_size: maybe,
  /** Share of the attack's change outside the benign subspace (per layer). */
  attack_off_subspace: z.array(maybe),
  /** ||Δ^ − Δ_clean|| / ||Δ_clean||: how close purification gets to the clean network. */
  rel_error_to_clean: maybe,
  flagged_count: z.number(),
  status: z.string(),
  message: z.string().optional(),
  iterations: maybe,
  train_ms: z.number(),
  attack_ms: z.number(),
  finetune_ms: z.number(),
  solve_ms: z.number(),
  finished_at: z.string(),
});
export type BackdoorTrialRecord = Readonly<z.output<typeof BackdoorTrialRecord>>;
