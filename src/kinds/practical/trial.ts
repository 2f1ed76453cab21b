/**
 * One practical trial, end to end:  images → train the dense layers → contaminate every trained layer
 * (sparse, ε) → purify bottom up → clean / contaminated / purified test accuracy, recovery error, detection.
 *
 * The trials of a work unit are handled network by network (one trial index at a time, bounding memory): the
 * network is trained once, every contamination level is drawn once and scored once, and all problems of that
 * network that share a solver go to it in one batch per layer (src/networks/chains.ts).
 */
import type { TrialTask } from '../../core/trial.ts';
import { chainFor, purifyChains, type Chain } from '../../networks/chains.ts';
import { networkHooks } from '../../networks/hooks.ts';
import { accuracyOf, denseFrom, NOTHING_SHARED, offSubspace, onNetwork, runPerNetwork, type Instance } from '../../networks/instance.ts';
import { detection } from '../../networks/metrics.ts';
import { worstLayer, type PurifiedLayer } from '../../networks/purify.ts';
import { baseFields, concat } from '../../networks/records.ts';
import { contaminate } from '../../recovery/contaminate.ts';
import { relativeError, rms } from '../../recovery/measure.ts';
import type { SolverPool } from '../../solvers/pool.ts';
import { deriveSeed, stableHash } from '../../util/canonical.ts';
import { roundMs } from '../../util/collections.ts';
import { finite } from '../../util/finite.ts';
import { Rng } from '../../util/rng.ts';
import type { PracticalTrialRecord } from './records.ts';
import type { PracticalConfig } from './schema.ts';

/** Which trials share a trained network: the shared parts of the config (nothing of the contamination). */
export const NETWORK = networkHooks<PracticalConfig>();

interface Contamination {
  /** θ~ − θ0 per layer. */
  readonly b: Float64Array[];
  readonly corrupted: Int32Array[];
  readonly acc: number;
}

export function runPracticalTrials(tasks: readonly TrialTask<PracticalConfig>[], solvers: SolverPool): Promise<PracticalTrialRecord[]> {
  return runPerNetwork(tasks, NETWORK.key, (group) => runOnNetwork(group, solvers));
}

function runOnNetwork(tasks: readonly TrialTask<PracticalConfig>[], solvers: SolverPool): Promise<PracticalTrialRecord[]> {
  return onNetwork(tasks, NETWORK.key(tasks[0]), async () => NOTHING_SHARED, async (instance) => {
    const off = await offSubspace(instance, instance.hostUpdates.map((u) => u.values), solvers, 'clean');
    const contaminations = new Map<string, Contamination>();
    for (const task of tasks) {
      const key = contaminationKey(task);
      if (!contaminations.has(key)) contaminations.set(key, await contaminateNetwork(instance, task));
    }
    const chains = new Map<string, Chain>();
    for (const task of tasks) {
      const chain = chainOf(task, instance, contaminations.get(contaminationKey(task))!);
      if (!chains.has(chain.id)) chains.set(chain.id, chain);
    }
    const purified = await purifyChains([...chains.values()], solvers);
    const scored = new Map<string, number>();
    const records: PracticalTrialRecord[] = [];
    for (const task of tasks) {
      const chain = chainOf(task, instance, contaminations.get(contaminationKey(task))!);
      const layers = purified.get(chain.id)!;
      if (!scored.has(chain.id)) scored.set(chain.id, await accuracyOf(instance.testFeatures, instance.testLabels, denseFrom(instance, layers.map((p) => p.update))));
      records.push(measuredRecord(task, instance, contaminations.get(contaminationKey(task))!, layers, scored.get(chain.id)!, off));
    }
    return records;
  }, failedRecord);
}

/** The corruption of a trial depends on the network and the contamination spec, not on variant or solver. */
function contaminationKey(task: TrialTask<PracticalConfig>): string {
  return stableHash({ instance: NETWORK.key(task), contamination: task.config.contamination });
}

function contaminationSeed(task: TrialTask<PracticalConfig>, instance: Instance): number {
  return deriveSeed(task.config.seed, { instance: instance.key, contamination: task.config.contamination });
}

/** Corrupt every trained layer independently with the trial's ε, and score the contaminated network. */
async function contaminateNetwork(instance: Instance, task: TrialTask<PracticalConfig>): Promise<Contamination> {
  const seed = contaminationSeed(task, instance);
  const spec = { ...task.config.contamination, sign: 'random' as const };
  const b: Float64Array[] = [];
  const corrupted: Int32Array[] = [];
  instance.hostUpdates.forEach((delta, l) => {
    const theta = delta.values.map((d, i) => d + instance.hostTheta0[l].values[i]);
    const scales = { update: rms(delta.values), params: rms(theta) };
    const out = contaminate(delta.values, spec, { start: 0, end: delta.values.length }, scales, Rng.stream(seed, `layer-${l}`));
    b.push(out.b);
    corrupted.push(out.corrupted);
  });
  const acc = await accuracyOf(instance.testFeatures, instance.testLabels, denseFrom(instance, b));
  return { b, corrupted, acc };
}

function chainOf(task: TrialTask<PracticalConfig>, instance: Instance, contamination: Contamination): Chain {
  const { solver, purification } = task.config;
  return chainFor(instance, contamination.b, solver, purification, { contamination: task.config.contamination });
}

function measuredRecord(
  task: TrialTask<PracticalConfig>,
  instance: Instance,
  contamination: Contamination,
  layers: readonly PurifiedLayer[],
  purifiedAcc: number,
  off: readonly number[],
): PracticalTrialRecord {
  const { purification } = task.config;
  const clean = instance.hostUpdates.map((u) => u.values);
  const layerErrors = layers.map((p, l) => finite(relativeError(p.update, clean[l])));
  const error = finite(relativeError(concat(layers.map((p) => p.update)), concat(clean)));
  const flagged = concat(layers.map((p) => p.flagged));
  const offsets = cumulative(clean.map((c) => c.length));
  const corrupted = Int32Array.from(contamination.corrupted.flatMap((idx, l) => Array.from(idx, (i) => i + offsets[l])));
  const found = detection(flagged, corrupted);
  const worst = worstLayer(layers);
  return {
    ...baseFields(task, instance),
    corruption: task.config.contamination.fraction,
    corrupted_count: corrupted.length,
    clean_acc: instance.cleanAcc,
    contaminated_acc: contamination.acc,
    purified_acc: purifiedAcc,
    restored: purifiedAcc >= instance.cleanAcc - purification.margin,
    rel_error: error,
    layer_rel_errors: layerErrors,
    success: error !== null && error <= purification.tolerance,
    flagged_count: found.flagged,
    detect_precision: found.precision,
    detect_recall: found.recall,
    status: worst.status,
    ...(worst.message ? { message: worst.message } : {}),
    iterations: worst.iterations,
    train_acc: instance.trainAcc,
    train_loss_initial: instance.lossInitial,
    train_loss_final: instance.lossFinal,
    off_subspace: off.map(finite),
    train_ms: roundMs(instance.trainMs),
    solve_ms: roundMs(layers.reduce((s, p) => s + p.solveMs, 0)),
    finished_at: new Date().toISOString(),
  };
}

function failedRecord(task: TrialTask<PracticalConfig>, message: string): PracticalTrialRecord {
  return {
    ...baseFields(task),
    corruption: task.config.contamination.fraction,
    corrupted_count: 0,
    clean_acc: null,
    contaminated_acc: null,
    purified_acc: null,
    restored: false,
    rel_error: null,
    layer_rel_errors: [],
    success: false,
    flagged_count: 0,
    detect_precision: null,
    detect_recall: null,
    status: 'failed',
    message,
    iterations: null,
    train_acc: null,
    train_loss_initial: null,
    train_loss_final: null,
    off_subspace: [],
    train_ms: 0,
    solve_ms: 0,
    finished_at: new Date().toISOString(),
  };
}

function cumulative(lengths: readonly number[]): number[] {
  let sum = 0;
  return lengths.map((n) => {
    const start = sum;
    sum += n;
    return start;
  });
}
