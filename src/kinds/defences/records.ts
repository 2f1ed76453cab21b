/** What a backdoor-defence trial stores: one line of trials.jsonl (accuracies and rates in percent, timing fields end in _ms); checked when read back. */
import * as z from 'zod';
import { BaseFields } from '../../networks/records.ts';

const maybe = z.number().nullable();

export const DefenceTrialRecord = BaseFields.extend({
  attack: z.string(),
  target: z.number(),
  poison_rate: z.number(),
  poisoned_count: z.number(),
  defence: z.string(),
  /** Benign inputs the defence had (images of the victim's clean data). */
  benign_inputs: z.number(),
  /** Whether the defence used their labels (purification does not). */
  labels_used: z.boolean(),
  /** The defended network. */
  clean_acc: maybe,
  asr: maybe,
  /** The clean network (before the attack) and the backdoored one (before the defence). */
  clean_model_acc: maybe,
  clean_model_asr: maybe,
  backdoored_acc: maybe,
  backdoored_asr: maybe,
  /** Units pruned (fine-pruning, anp). */
  pruned_units: maybe,
  /** ||Δ^ − Δ_clean|| / ||Δ_clean|| and coordinates flagged (purification). */
  rel_error_to_clean: maybe,
  flagged_count: maybe,
  status: z.string(),
  message: z.string().optional(),
  iterations: maybe,
  train_ms: z.number(),
  attack_ms: z.number(),
  defence_ms: z.number(),
  finished_at: z.string(),
});
export type DefenceTrialRecord = Readonly<z.output<typeof DefenceTrialRecord>>;
