/**
 * What a backdoor experiment config may say (docs/practical.md): the shared network sections (src/networks) and
 * the BadNets attack inserted by fine-tuning the trained network on poisoned data.
 */
import * as z from 'zod';
import type { CommonConfig } from '../../core/config.ts';
import { checkNetwork, DATASET_SHAPE, NETWORK_SECTIONS } from '../../networks/schema.ts';
import { badnetsTrigger } from '../../networks/poison.ts';
import { section, type SectionsShape } from '../../schema/define.ts';
import type { Issue } from '../../schema/validate.ts';

const backdoor = section('BadNets-style backdoor inserted by fine-tuning the trained network on poisoned data', {
  trigger: badnetsTrigger,
  target: z.int().min(0).default(0).describe('label the trigger should produce'),
  poisonRate: z.number().gt(0).max(1).default(0.1).describe("share of the attacker's fine-tuning set that is triggered and relabelled"),
  attackEpochs: z.int().min(1).default(10).describe('epochs of poisoned fine-tuning after clean training'),
  fineTuneEpochs: z.int().min(1).default(10).describe('epochs of the baseline defence: fine-tuning the backdoored model on the benign labelled inputs'),
});

export const BACKDOOR_SECTIONS = { ...NETWORK_SECTIONS, backdoor };

export type BackdoorConfig = CommonConfig & SectionsShape<typeof BACKDOOR_SECTIONS>;

/** Rules between keys: the kernel tiles the image, the trigger fits in it and its target is a class. */
export function checkBackdoor(c: Pick<BackdoorConfig, 'data' | 'network' | 'backdoor'>): Issue[] {
  const issues = checkNetwork(c);
  const { trigger: t, target } = c.backdoor;
  const { side } = DATASET_SHAPE[c.data.dataset];
  if (t.size + t.margin > side) issues.push({ path: ['backdoor', 'trigger', 'size'], message: `expected size + margin ≤ image side ${side}, got ${t.size} + ${t.margin}` });
  if (target > 9) issues.push({ path: ['backdoor', 'target'], message: `expected a class label 0..9, got ${target}` });
  return issues;
}
