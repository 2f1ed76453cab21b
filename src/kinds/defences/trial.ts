/**
 * One backdoor-defence trial, end to end:
 *
 *   clean network (features → head fine-tuned on the victim's n images) → attack: the head fine-tuned on its
 *   training set with a share triggered and relabelled (BadNets or Blended) → one defence on the backdoored head,
 *   with the benign inputs → clean test accuracy and attack success rate of the defended network.
 *
 * The trials of one network (one trial index, every defence of the sweep) share the clean network and the attack;
 * the l1 purification defences share one solver batch per layer (src/networks/chains.ts).
 */
import * as tf from '@tensorflow/tfjs';
import type { TrialTask } from '../../core/trial.ts';
import { chainFor, purifyChains, type Chain } from '../../networks/chains.ts';
import { attackSuccess, fineTune } from '../../networks/finetune.ts';
import { networkHooks } from '../../networks/hooks.ts';
import { labelArray } from '../../networks/images.ts';
import { accuracyOf, denseFrom, featuresOf, onNetwork, runPerNetwork, type HostLayer, type Instance, type Shared } from '../../networks/instance.ts';
import { poisonSet, withTrigger, type Trigger } from '../../networks/poison.ts';
import { rawActivations, type FeatureMap } from '../../networks/network.ts';
import { worstLayer, type PurifiedLayer } from '../../networks/purify.ts';
import { baseFields, concat } from '../../networks/records.ts';
import { relativeError } from '../../recovery/measure.ts';
import type { SolverPool } from '../../solvers/pool.ts';
import { stableHash } from '../../util/canonical.ts';
import { roundMs } from '../../util/collections.ts';
import { finite } from '../../util/finite.ts';
import { anpMask, dormantUnits, maskedFeatures } from './defences.ts';
import type { DefenceTrialRecord } from './records.ts';
import type { AttackConfig, DefenceConfig, DefenceName } from './schema.ts';

/** Which trials share a trained and attacked network: the shared parts of the config and the attack. */
export const NETWORK = networkHooks<DefenceConfig>((config) => ({ attack: config.attack }));

/** What every trial on one backdoored network shares. */
interface Attacked extends Shared {
  readonly backdoored: HostLayer[];
  readonly poisonedCount: number;
  readonly triggeredTest: tf.Tensor2D;
  readonly cleanAsr: number;
  readonly acc: number;
  readonly asr: number;
  readonly ms: number;
}

/** What a defence leaves: the defended network's scores and what it did. */
interface Defended {
  readonly acc: number;
  readonly asr: number;
  readonly labelsUsed: boolean;
  readonly prunedUnits: number | null;
  readonly purified?: readonly PurifiedLayer[];
  readonly ms: number;
}

export function runDefenceTrials(tasks: readonly TrialTask<DefenceConfig>[], solvers: SolverPool): Promise<DefenceTrialRecord[]> {
  return runPerNetwork(tasks, NETWORK.key, (group) => runOnNetwork(group, solvers));
}

function runOnNetwork(tasks: readonly TrialTask<DefenceConfig>[], solvers: SolverPool): Promise<DefenceTrialRecord[]> {
  return onNetwork(tasks, NETWORK.key(tasks[0]), (instance) => attack(instance, tasks[0]), async (instance, attacked) => {
    const purified = await purify(tasks, instance, attacked, solvers);
    const records: DefenceTrialRecord[] = [];
    for (const task of tasks) records.push(measuredRecord(task, instance, attacked, await defend(task, instance, attacked, purified)));
    return records;
  }, failedRecord);
}

export function triggerOf(attack: AttackConfig): Trigger {
  return attack.name === 'badnets' ? { kind: 'badnets', patch: attack.badnets } : { kind: 'blended', blend: attack.blended };
}

/** Poisoned fine-tuning of the clean network; the scores of the clean and the backdoored network. */
async function attack(instance: Instance, task: TrialTask<DefenceConfig>): Promise<Attacked> {
  const { attack: spec, training, data } = task.config;
  const seed = `${instance.seed}:${stableHash(spec)}`;
  const started = performance.now();
  const trigger = triggerOf(spec);
  const poisoned = poisonSet(instance.images.train, trigger, spec.target, spec.poisonRate, seed);
  const backdoored = await fineTune(instance, poisoned.set, instance.updates, { ...training, epochs: spec.epochs }, `${seed}:attack`, `${data.dataset} ${spec.name} attack #${task.index}`);
  const ms = performance.now() - started;
  const triggeredTest = featuresOf(withTrigger(instance.images.test, trigger), instance.net);
  try {
    return {
      backdoored,
      poisonedCount: poisoned.poisoned.length,
      triggeredTest,
      cleanAsr: await attackSuccess(instance, triggeredTest, instance.updates, spec.target),
      acc: await accuracyOf(instance.testFeatures, instance.testLabels, denseFrom(instance, backdoored)),
      asr: await attackSuccess(instance, triggeredTest, backdoored, spec.target),
      ms,
      release: () => triggeredTest.dispose(),
    };
  } catch (err) {
    triggeredTest.dispose();
    throw err;
  }
}

const PURIFY_VARIANT: Partial<Record<DefenceName, 'project' | 'detect-replace'>> = { 'purify-project': 'project', 'purify-detect-replace': 'detect-replace' };

/** The l1 purification defences of the group, solved together: purified layers by task key. */
async function purify(tasks: readonly TrialTask<DefenceConfig>[], instance: Instance, attacked: Attacked, solvers: SolverPool): Promise<Map<string, { layers: PurifiedLayer[]; ms: number }>> {
  const chains = new Map<string, Chain>();
  const byTask = new Map<string, string>();
  for (const task of tasks) {
    const variant = PURIFY_VARIANT[task.config.defence.name];
    if (!variant) continue;
    const { solver, purification } = task.config;
    const chain = chainFor(instance, attacked.backdoored.map((b) => b.values), solver, { variant, threshold: purification.threshold });
    chains.set(chain.id, chain);
    byTask.set(task.key, chain.id);
  }
  const started = performance.now();
  const layers = chains.size ? await purifyChains([...chains.values()], solvers) : new Map<string, PurifiedLayer[]>();
  const ms = (performance.now() - started) / Math.max(1, chains.size);
  return new Map([...byTask].map(([key, id]) => [key, { layers: layers.get(id)!, ms }]));
}

/** Apply the trial's defence to the backdoored network and score it. */
async function defend(task: TrialTask<DefenceConfig>, instance: Instance, attacked: Attacked, purified: Map<string, { layers: PurifiedLayer[]; ms: number }>): Promise<Defended> {
  const { defence, attack: spec, training } = task.config;
  const started = performance.now();
  const scores = (updates: readonly HostLayer[] | readonly Float64Array[], test = instance.testFeatures, triggered = attacked.triggeredTest) =>
    score(instance, updates, test, triggered, spec.target);
  const seed = `${instance.seed}:${stableHash(spec)}:${defence.name}`;
  const benign = instance.images.benign;
  switch (defence.name) {
    case 'none':
      return { acc: attacked.acc, asr: attacked.asr, labelsUsed: false, prunedUnits: null, ms: 0 };
    case 'fine-tuning': {
      const tuned = await fineTune(instance, benign, attacked.backdoored, { ...training, epochs: defence.epochs }, `${seed}:finetune`, `fine-tuning #${task.index}`);
      return { ...(await scores(tuned)), labelsUsed: true, prunedUnits: null, ms: performance.now() - started };
    }
    case 'fine-pruning': {
      const scaling = instance.net.features.scaling;
      const units = instance.benignFeatures.shape[1];
      const raw = await rawValues(instance.benignFeatures, instance.net.features);
      const pruned = dormantUnits(raw, instance.benignFeatures.shape[0], units, defence.pruneRate);
      // A pruned unit's raw activation is 0: in standardised features that is −mean / std.
      const zero = scaling ? scaling.mean.map((m, u) => -m / scaling.std[u]) : new Float32Array(units);
      return withMasked(instance, attacked, pruned, zero, async (features, test, triggered) => {
        const tuned = await fineTune(instance, benign, attacked.backdoored, { ...training, epochs: defence.epochs }, `${seed}:finetune`, `fine-pruning #${task.index}`, features);
        return { ...(await scores(tuned, test, triggered)), labelsUsed: true, prunedUnits: pruned.length, ms: performance.now() - started };
      });
    }
    case 'anp': {
      const head = denseFrom(instance, attacked.backdoored)[0];
      const { pruned } = await anpMask(head, instance.benignFeatures, labelArray(benign), defence.anp, seed).finally(() => head.dispose());
      const units = instance.benignFeatures.shape[1];
      return withMasked(instance, attacked, pruned, new Float32Array(units), async (_features, test, triggered) => ({
        ...(await scores(attacked.backdoored, test, triggered)),
        labelsUsed: true,
        prunedUnits: pruned.length,
        ms: performance.now() - started,
      }));
    }
    case 'purify-project':
    case 'purify-detect-replace': {
      const { layers, ms } = purified.get(task.key)!;
      return { ...(await scores(layers.map((p) => p.update))), labelsUsed: false, prunedUnits: null, purified: layers, ms };
    }
  }
}

/** Raw activations of the head's input units on the benign inputs, on the host. */
async function rawValues(features: tf.Tensor2D, map: FeatureMap): Promise<Float32Array> {
  const raw = rawActivations(features, map);
  const values = (await raw.data()) as Float32Array;
  raw.dispose();
  return values;
}

/** Run `body` on the benign, test and triggered test features with the pruned units held at `value`. */
async function withMasked<T>(instance: Instance, attacked: Attacked, pruned: Int32Array, value: Float32Array, body: (benign: tf.Tensor2D, test: tf.Tensor2D, triggered: tf.Tensor2D) => Promise<T>): Promise<T> {
  const masked = [instance.benignFeatures, instance.testFeatures, attacked.triggeredTest].map((f) => maskedFeatures(f, pruned, value));
  try {
    return await body(masked[0], masked[1], masked[2]);
  } finally {
    tf.dispose(masked);
  }
}

async function score(instance: Instance, updates: readonly HostLayer[] | readonly Float64Array[], test: tf.Tensor2D, triggered: tf.Tensor2D, target: number): Promise<{ acc: number; asr: number }> {
  const host: HostLayer[] = updates.map((u, l) => (u instanceof Float64Array ? { ...instance.hostUpdates[l], values: u } : u));
  return {
    acc: await accuracyOf(test, instance.testLabels, denseFrom(instance, host)),
    asr: await attackSuccess(instance, triggered, host, target),
  };
}

function measuredRecord(task: TrialTask<DefenceConfig>, instance: Instance, attacked: Attacked, defended: Defended): DefenceTrialRecord {
  const { attack: spec, defence, data } = task.config;
  const purified = defended.purified;
  const worst = purified ? worstLayer(purified) : undefined;
  return {
    ...baseFields(task, instance),
    attack: spec.name,
    target: spec.target,
    poison_rate: spec.poisonRate,
    poisoned_count: attacked.poisonedCount,
    defence: defence.name,
    benign_inputs: data.subspaceInputs || data.trainSamples,
    labels_used: defended.labelsUsed,
    clean_acc: defended.acc,
    asr: defended.asr,
    clean_model_acc: instance.cleanAcc,
    clean_model_asr: attacked.cleanAsr,
    backdoored_acc: attacked.acc,
    backdoored_asr: attacked.asr,
    pruned_units: defended.prunedUnits,
    rel_error_to_clean: purified ? finite(relativeError(concat(purified.map((p) => p.update)), concat(instance.hostUpdates.map((u) => u.values)))) : null,
    flagged_count: purified ? purified.reduce((s, p) => s + p.flagged.reduce((a, f) => a + f, 0), 0) : null,
    status: worst?.status ?? 'done',
    ...(worst?.message ? { message: worst.message } : {}),
    iterations: worst?.iterations ?? null,
    train_ms: roundMs(instance.trainMs),
    attack_ms: roundMs(attacked.ms),
    defence_ms: roundMs(defended.ms),
    finished_at: new Date().toISOString(),
  };
}

function failedRecord(task: TrialTask<DefenceConfig>, message: string): DefenceTrialRecord {
  const { attack: spec, defence, data } = task.config;
  return {
    ...baseFields(task),
    attack: spec.name,
    target: spec.target,
    poison_rate: spec.poisonRate,
    poisoned_count: 0,
    defence: defence.name,
    benign_inputs: data.subspaceInputs || data.trainSamples,
    labels_used: !PURIFY_VARIANT[defence.name] && defence.name !== 'none',
    clean_acc: null,
    asr: null,
    clean_model_acc: null,
    clean_model_asr: null,
    backdoored_acc: null,
    backdoored_asr: null,
    pruned_units: null,
    rel_error_to_clean: null,
    flagged_count: null,
    status: 'failed',
    message,
    iterations: null,
    train_ms: 0,
    attack_ms: 0,
    defence_ms: 0,
    finished_at: new Date().toISOString(),
  };
}
