/**
 * What a backdoor-defences experiment config may say (docs/practical.md §6): the shared network sections
 * (src/networks), the attack (BadNets or Blended, inserted by poisoned fine-tuning of the clean network) and the
 * defence applied to the backdoored network, one per cell, so that summary.csv has one row per (cell, defence).
 */
import * as z from 'zod';
import type { CommonConfig } from '../../core/config.ts';
import { checkNetwork, DATASET_SHAPE, NETWORK_SECTIONS } from '../../networks/schema.ts';
import { badnetsTrigger, blendedTrigger } from '../../networks/poison.ts';
import { section, type SectionsShape } from '../../schema/define.ts';
import type { Issue } from '../../schema/validate.ts';

export const ATTACKS = ['badnets', 'blended'] as const;
export const DEFENCES = ['none', 'fine-tuning', 'fine-pruning', 'anp', 'purify-project', 'purify-detect-replace'] as const;
export type DefenceName = (typeof DEFENCES)[number];

const attack = section('the backdoor: the clean network fine-tuned on its training set with a share of it triggered and relabelled', {
  name: z.enum(ATTACKS).default('badnets').describe('badnets: a corner patch (Gu et al. 2017); blended: a noise image blended in at α (Chen et al. 2017)'),
  badnets: badnetsTrigger,
  blended: blendedTrigger,
  target: z.int().min(0).max(9).default(0).describe('label the trigger should produce'),
  poisonRate: z.number().gt(0).max(1).default(0.1).describe("share of the attacker's fine-tuning set that is triggered and relabelled"),
  epochs: z.int().min(1).default(10).describe('epochs of poisoned fine-tuning'),
});

const anp = section('Adversarial Neuron Pruning (Wu & Wang 2021) on the head\'s input units', {
  eps: z.number().gt(0).max(1).default(0.4).describe('bound of the adversarial multiplicative perturbation of each unit'),
  alpha: z.number().min(0).max(1).default(0.2).describe('weight of the natural loss against the perturbed one in the mask objective'),
  lr: z.number().gt(0).default(0.2).describe('step size of the mask (projected gradient descent in [0, 1])'),
  steps: z.int().min(1).default(500).describe('mask updates (one minibatch each)'),
  batchSize: z.int().min(1).default(128).describe('minibatch of benign labelled inputs'),
  pruneBy: z.enum(['threshold', 'fraction']).default('threshold').describe("prune the units whose mask ends below `threshold`, or the `fraction` of units with the lowest masks (the paper's two rules)"),
  threshold: z.number().gt(0).lt(1).default(0.2).describe('pruneBy threshold: units whose mask ends below this are pruned'),
  fraction: z.number().gt(0).lt(1).default(0.05).describe('pruneBy fraction: share of units pruned, lowest mask first'),
});

const defence = section('the defence applied to the backdoored network, with the benign inputs of data.subspaceInputs (data.trainSamples when 0)', {
  name: z.enum(DEFENCES).default('purify-project').describe('none (the backdoored network), fine-tuning, fine-pruning (Liu et al. 2018), anp (Wu & Wang 2021), or l1 purification from unlabeled inputs (purify-project, purify-detect-replace; threshold and tolerance from purification:)'),
  epochs: z.int().min(1).default(10).describe('fine-tuning epochs (fine-tuning, and fine-pruning after its pruning), training: settings otherwise'),
  pruneRate: z.number().gt(0).lt(1).default(0.8).describe('fine-pruning: share of the head\'s input units pruned, the least active on the benign inputs first'),
  anp,
});

export const DEFENCE_SECTIONS = { ...NETWORK_SECTIONS, attack, defence };

export type DefenceConfig = CommonConfig & SectionsShape<typeof DEFENCE_SECTIONS>;
export type AttackConfig = DefenceConfig['attack'];
export type DefenceSpec = DefenceConfig['defence'];

/** The network rules; the patch fits in the image; pruning acts on the head's input units, so it needs a one-layer head. */
export function checkDefences(c: Pick<DefenceConfig, 'data' | 'network' | 'backbone' | 'attack' | 'defence'>): Issue[] {
  const issues = checkNetwork(c);
  const { size, margin } = c.attack.badnets;
  const { side } = DATASET_SHAPE[c.data.dataset];
  if (size + margin > side) issues.push({ path: ['attack', 'badnets', 'size'], message: `expected size + margin ≤ image side ${side}, got ${size} + ${margin}` });
  if ((c.defence.name === 'fine-pruning' || c.defence.name === 'anp') && c.network.hidden.length > 0) {
    issues.push({ path: ['defence', 'name'], message: `${c.defence.name} prunes the head's input units and needs a one-layer head (network.hidden: []), got hidden [${c.network.hidden.join(', ')}]` });
  }
  return issues;
}
