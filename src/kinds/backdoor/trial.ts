/**
 * One backdoor trial:  clean training → BadNets fine-tuning on poisoned data → purification from benign inputs
 * only, next to the baseline defence (fine-tuning the backdoored model on the same benign inputs, labelled).
 *
 * Why purification can remove the trigger: with a non-overlapping convolution, stamping a patch changes the conv
 * features of the few cells it touches only, φ(x + t) = φ(x) + e(x), e supported on those cells' p features. The
 * attacker's update of a layer on fixed features is then Σ c_s φ(x_s) + Σ c_t e(x_t): a part in the span of the
 * benign inputs plus a part on the trigger cells' coordinates, a sparse corruption the l1 projection removes.
 */
import * as tf from '@tensorflow/tfjs';
import type { TrialTask } from '../../core/trial.ts';
import { chainFor, purifyChains, type Chain } from '../../networks/chains.ts';
import { networkHooks } from '../../networks/hooks.ts';
import { attackSuccess, fineTune } from '../../networks/finetune.ts';
import { accuracyOf, denseFrom, featuresOf, offSubspace, onNetwork, runPerNetwork, type HostLayer, type Instance, type Shared } from '../../networks/instance.ts';
import { worstLayer, type PurifiedLayer } from '../../networks/purify.ts';
import { baseFields, concat } from '../../networks/records.ts';
import { relativeError } from '../../recovery/measure.ts';
import type { SolverPool } from '../../solvers/pool.ts';
import { stableHash } from '../../util/canonical.ts';
import { roundMs } from '../../util/collections.ts';
import { finite } from '../../util/finite.ts';
import { poisonSet, withTrigger } from '../../networks/poison.ts';
import type { BackdoorTrialRecord } from './records.ts';
import type { BackdoorConfig } from './schema.ts';

/** Which trials share a trained (and attacked) network: the shared parts of the config and the attack. */
export const NETWORK = networkHooks<BackdoorConfig>((config) => ({ backdoor: config.backdoor }));

/** What every trial on one backdoored network shares: the attack, the baseline defence and their scores. */
interface Attacked extends Shared {
  readonly backdoored: HostLayer[];
  readonly poisonedCount: number;
  readonly triggeredTest: tf.Tensor2D;
  readonly asrClean: number;
  readonly acc: number;
  readonly asr: number;
  readonly baselineAcc: number;
  readonly baselineAsr: number;
  readonly attackSize: number;
  readonly attackOff: number[];
  readonly attackMs: number;
  readonly finetuneMs: number;
}

export function runBackdoorTrials(tasks: readonly TrialTask<BackdoorConfig>[], solvers: SolverPool): Promise<BackdoorTrialRecord[]> {
  return runPerNetwork(tasks, NETWORK.key, (group) => runOnNetwork(group, solvers));
}

function runOnNetwork(tasks: readonly TrialTask<BackdoorConfig>[], solvers: SolverPool): Promise<BackdoorTrialRecord[]> {
  return onNetwork(tasks, NETWORK.key(tasks[0]), (instance) => attack(instance, tasks[0], solvers), async (instance, attacked) => {
    const chains = new Map<string, Chain>();
    for (const task of tasks) {
      const chain = chainOf(task, instance, attacked);
      if (!chains.has(chain.id)) chains.set(chain.id, chain);
    }
    const purified = await purifyChains([...chains.values()], solvers);
    const scores = new Map<string, { acc: number; asr: number }>();
    const records: BackdoorTrialRecord[] = [];
    for (const task of tasks) {
      const id = chainOf(task, instance, attacked).id;
      const layers = purified.get(id)!;
      if (!scores.has(id)) scores.set(id, await score(instance, attacked, layers.map((p) => p.update), task.config.backdoor.target));
      records.push(measuredRecord(task, instance, attacked, layers, scores.get(id)!));
    }
    return records;
  }, failedRecord);
}

/** Poisoned fine-tuning of the clean network, and the fine-tuning defence on the benign inputs. */
async function attack(instance: Instance, task: TrialTask<BackdoorConfig>, solvers: SolverPool): Promise<Attacked> {
  const { backdoor, training, data } = task.config;
  const seed = `${instance.seed}:${stableHash(backdoor)}`;
  const started = performance.now();
  const poisoned = poisonSet(instance.images.train, backdoor.trigger, backdoor.target, backdoor.poisonRate, seed);
  const backdoored = await fineTune(instance, poisoned.set, instance.updates, { ...training, epochs: backdoor.attackEpochs }, `${seed}:attack`, `${data.dataset} attack #${task.index}`);
  const attackMs = performance.now() - started;
  const triggeredTest = featuresOf(withTrigger(instance.images.test, backdoor.trigger), instance.net);
  try {
    const asrOf = (updates: readonly HostLayer[] | readonly tf.Tensor2D[]) => attackSuccess(instance, triggeredTest, updates, backdoor.target);
    const acc = await accuracyOf(instance.testFeatures, instance.testLabels, denseFrom(instance, backdoored));
    const t1 = performance.now();
    const defended = await fineTune(instance, instance.images.benign, backdoored, { ...training, epochs: backdoor.fineTuneEpochs }, `${seed}:finetune`, `${data.dataset} fine-tune #${task.index}`);
    const finetuneMs = performance.now() - t1;
    const change = backdoored.map((b, l) => b.values.map((v, i) => v - instance.hostUpdates[l].values[i]));
    return {
      backdoored,
      poisonedCount: poisoned.poisoned.length,
      triggeredTest,
      asrClean: await asrOf(instance.updates),
      acc,
      asr: await asrOf(backdoored),
      baselineAcc: await accuracyOf(instance.testFeatures, instance.testLabels, denseFrom(instance, defended)),
      baselineAsr: await asrOf(defended),
      attackSize: relativeError(concat(backdoored.map((b) => b.values)), concat(instance.hostUpdates.map((u) => u.values))),
      attackOff: await offSubspace(instance, change, solvers, 'attack'),
      attackMs,
      finetuneMs,
      release: () => triggeredTest.dispose(),
    };
  } catch (err) {
    triggeredTest.dispose();
    throw err;
  }
}

async function score(instance: Instance, attacked: Attacked, updates: readonly Float64Array[], target: number): Promise<{ acc: number; asr: number }> {
  const host = updates.map((values, l) => ({ ...instance.hostUpdates[l], values }));
  return {
    acc: await accuracyOf(instance.testFeatures, instance.testLabels, denseFrom(instance, host)),
    asr: await attackSuccess(instance, attacked.triggeredTest, host, target),
  };
}

function chainOf(task: TrialTask<BackdoorConfig>, instance: Instance, attacked: Attacked): Chain {
  const { solver, purification } = task.config;
  return chainFor(instance, attacked.backdoored.map((b) => b.values), solver, purification);
}

function measuredRecord(task: TrialTask<BackdoorConfig>, instance: Instance, attacked: Attacked, layers: readonly PurifiedLayer[], scores: { acc: number; asr: number }): BackdoorTrialRecord {
  const { backdoor } = task.config;
  const clean = concat(instance.hostUpdates.map((u) => u.values));
  const worst = worstLayer(layers);
  return {
    ...baseFields(task, instance),
    poison_rate: backdoor.poisonRate,
    target: backdoor.target,
    poisoned_count: attacked.poisonedCount,
    clean_acc: instance.cleanAcc,
    asr_clean: attacked.asrClean,
    contaminated_acc: attacked.acc,
    asr_before: attacked.asr,
    purified_acc: scores.acc,
    asr_after: scores.asr,
    baseline_clean_acc: attacked.baselineAcc,
    baseline_asr_after: attacked.baselineAsr,
    attack_size: finite(attacked.attackSize),
    attack_off_subspace: attacked.attackOff.map(finite),
    rel_error_to_clean: finite(relativeError(concat(layers.map((p) => p.update)), clean)),
    flagged_count: layers.reduce((s, p) => s + p.flagged.reduce((a, f) => a + f, 0), 0),
    status: worst.status,
    ...(worst.message ? { message: worst.message } : {}),
    iterations: worst.iterations,
    train_ms: roundMs(instance.trainMs),
    attack_ms: roundMs(attacked.attackMs),
    finetune_ms: roundMs(attacked.finetuneMs),
    solve_ms: roundMs(layers.reduce((s, p) => s + p.solveMs, 0)),
    finished_at: new Date().toISOString(),
  };
}

function failedRecord(task: TrialTask<BackdoorConfig>, message: string): BackdoorTrialRecord {
  const { backdoor } = task.config;
  return {
    ...baseFields(task),
    poison_rate: backdoor.poisonRate,
    target: backdoor.target,
    poisoned_count: 0,
    clean_acc: null,
    asr_clean: null,
    contaminated_acc: null,
    asr_before: null,
    purified_acc: null,
    asr_after: null,
    baseline_clean_acc: null,
    baseline_asr_after: null,
    attack_size: null,
    attack_off_subspace: [],
    rel_error_to_clean: null,
    flagged_count: 0,
    status: 'failed',
    message,
    iterations: null,
    train_ms: 0,
    attack_ms: 0,
    finetune_ms: 0,
    solve_ms: 0,
    finished_at: new Date().toISOString(),
  };
}
