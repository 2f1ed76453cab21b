/**
 * One synthetic trial, end to end:  data → train → subspace → contaminate → purify → measure.
 *
 * Trials that differ only in corruption fraction or solver share a trained network ("instance"): the same seed
 * gives the same network, so sharing is an optimisation, never a change of result. All problems of a work
 * unit that share a solver are handed to it as one batch.
 */
import * as tf from '@tensorflow/tfjs';
import type { TrialTask } from '../../core/trial.ts';
import { contaminate, type ContaminationScales } from '../../recovery/contaminate.ts';
import { relativeError, rms } from '../../recovery/measure.ts';
import type { SolverPool } from '../../solvers/pool.ts';
import { solverLabel } from '../../solvers/registry.ts';
import type { L1Problem, SolveResult, Subspace } from '../../solvers/types.ts';
import { canonicalJson, deriveSeed, stableHash } from '../../util/canonical.ts';
import { groupBy, roundMs } from '../../util/collections.ts';
import { Rng } from '../../util/rng.ts';
import { disposeParams, gates } from './cnn.ts';
import { disposeTask, initStudent, makeTask, patchSize } from './data.ts';
import type { SyntheticTrialRecord } from './records.ts';
import type { SyntheticConfig } from './schema.ts';
import { gaussianSubspaceData, hiddenSubspace, layerSize, outputSubspace, toSubspace } from './subspace.ts';
import { trainHidden, trainHiddenLinearized, trainOutput } from './train.ts';

/** A trained network's recovery problem, before contamination: the clean update and its subspace. */
export interface Instance {
  readonly subspace: Subspace;
  readonly delta: Float64Array;
  readonly scales: ContaminationScales;
  readonly eligible: { start: number; end: number };
  readonly lossInitial: number | null;
  readonly lossFinal: number | null;
  readonly flippedShare: number | null;
  readonly trainMs: number;
}

type Built = { ok: true; instance: Instance; offSubspace: number | null } | { ok: false; message: string; trainMs: number };

/** A contaminated recovery problem ready for a solver, with what is needed to measure the answer. */
export interface PreparedTrial {
  readonly task: TrialTask<SyntheticConfig>;
  readonly instance: Instance;
  readonly offSubspace: number | null;
  readonly problem: L1Problem;
  readonly corrupted: number;
}

export async function runSyntheticTrials(tasks: readonly TrialTask<SyntheticConfig>[], solvers: SolverPool): Promise<SyntheticTrialRecord[]> {
  const { prepared, failed } = await prepareTrials(tasks, solvers);
  const records = new Map<TrialTask<SyntheticConfig>, SyntheticTrialRecord>(failed);
  // A solver batch shares one solver spec and one problem shape.
  const batches = groupBy(prepared, (p) => `${canonicalJson(p.task.config.solver)}|${p.problem.A.m}×${p.problem.A.n}`);
  for (const group of batches.values()) {
    const solver = await solvers.get(group[0].task.config.solver);
    const results = await solver.solve(group.map((g) => g.problem));
    group.forEach((g, j) => records.set(g.task, measuredRecord(g.task, g.instance, g.offSubspace, g.corrupted, results[j])));
  }
  return tasks.map((task) => records.get(task)!);
}

/**
 * Train each distinct network once (in turn: one at a time keeps memory flat and timings honest), then
 * contaminate its update once per trial. Trials whose network could not be built come back as failed records.
 */
export async function prepareTrials(
  tasks: readonly TrialTask<SyntheticConfig>[],
  solvers: SolverPool,
): Promise<{ prepared: PreparedTrial[]; failed: Map<TrialTask<SyntheticConfig>, SyntheticTrialRecord> }> {
  const built = new Map<string, Built>();
  const prepared: PreparedTrial[] = [];
  const failed = new Map<TrialTask<SyntheticConfig>, SyntheticTrialRecord>();
  for (const task of tasks) {
    const id = instanceKey(task);
    if (!built.has(id)) built.set(id, await buildInstance(task, id, solvers));
    const b = built.get(id)!;
    if (!b.ok) {
      failed.set(task, failedRecord(task, b.message, b.trainMs));
      continue;
    }
    const rng = new Rng(contaminationSeed(task));
    const { b: target, corrupted } = contaminate(b.instance.delta, task.config.contamination, eligibleFor(task.config, b.instance), b.instance.scales, rng, b.instance.subspace);
    prepared.push({ task, instance: b.instance, offSubspace: b.offSubspace, problem: { A: b.instance.subspace, b: target }, corrupted: corrupted.length });
  }
  return { prepared, failed };
}

/** Trials with the same instance key train the same network: everything but corruption, solver and tolerance. */
function instanceKey(task: TrialTask<SyntheticConfig>): string {
  const { model, data, training, recovery } = task.config;
  return stableHash({ model, data, training, layer: recovery.layer, subspace: recovery.subspace, trial: task.index, seed: task.config.seed });
}

/** Seed of the network (data, teacher, initialisation): depends on the trial's own parameters only. */
export function instanceSeed(task: TrialTask<SyntheticConfig>): number {
  const { model, data } = task.config;
  return deriveSeed(task.config.seed, { trial: task.index, model, data, training: seededTraining(task.config) });
}

function contaminationSeed(task: TrialTask<SyntheticConfig>): number {
  const { model, data, recovery, contamination } = task.config;
  return deriveSeed(task.config.seed, { trial: task.index, model, data, training: seededTraining(task.config), layer: recovery.layer, subspace: recovery.subspace, contamination });
}

/**
 * The training keys that enter seeds. `space` is how GD is computed, not what it computes (like the solver), so
 * it is left out: both spaces train the same network on the same data with the same corruption.
 */
function seededTraining({ training }: SyntheticConfig): Omit<SyntheticConfig['training'], 'space'> {
  const { space: _space, ...rest } = training;
  return rest;
}

async function buildInstance(task: TrialTask<SyntheticConfig>, id: string, solvers: SolverPool): Promise<Built> {
  const started = performance.now();
  try {
    const instance = task.config.recovery.subspace === 'gaussian' ? gaussianInstance(task, id) : await trainedInstance(task, id);
    // Linearized and output-layer updates lie in the subspace by construction (to float rounding; see the
    // tests); only ReLU training leaves it, so only then is the distance worth its least-squares solve.
    const left = task.config.training.mode === 'relu' && task.config.recovery.layer !== 'output' && task.config.recovery.subspace === 'cnn';
    const offSubspace = left ? await distanceToSubspace(instance, solvers) : null;
    return { ok: true, instance: { ...instance, trainMs: performance.now() - started }, offSubspace };
  } catch (err) {
    return { ok: false, message: err instanceof Error ? err.message : String(err), trainMs: performance.now() - started };
  }
}

/** Train the student as configured and read off the recovered layer's update and subspace. */
async function trainedInstance(task: TrialTask<SyntheticConfig>, id: string): Promise<Omit<Instance, 'trainMs'>> {
  const { model, data, training, recovery } = task.config;
  const seed = instanceSeed(task);
  const { P, y } = makeTask(seed, model, data);
  const init = initStudent(seed, model);
  const k = patchSize(model);
  const toDispose: tf.Tensor[] = [];
  try {
    let loss = { initial: null as number | null, final: null as number | null, flipped: null as number | null };
    let hidden = { W: init.W, b: init.b, a: init.a };
    let dHidden: tf.Tensor1D | undefined;
    // A_W at θ0: the hidden layer's subspace, and the Jacobian of the linearized model.
    const needsJacobian = training.layers !== 'output' || recovery.layer !== 'output';
    const G0 = gates(P, init.W, init.b);
    const jacobian = needsJacobian ? hiddenSubspace(P, init.a, G0, 'hidden') : tf.zeros([0, 0]) as tf.Tensor2D;
    toDispose.push(G0, jacobian);
    if (training.layers !== 'output') {
      const h = training.mode === 'linearized' ? trainHiddenLinearized(P, y, init, jacobian, training) : trainHidden(P, y, init, training);
      toDispose.push(h.dW, h.db);
      loss = { initial: h.lossInitial, final: h.lossFinal, flipped: h.flippedShare };
      dHidden = tf.concat([h.dW.reshape([-1]), h.db]) as tf.Tensor1D;
      hidden = { W: init.W.add(h.dW), b: init.b.add(h.db), a: init.a };
      toDispose.push(dHidden, hidden.W, hidden.b);
    }
    if (recovery.layer === 'output') {
      const o = trainOutput(P, y, hidden, training);
      toDispose.push(o.da);
      const A = outputSubspace(P, hidden.W, hidden.b);
      toDispose.push(A);
      const thetaT = init.a.add(o.da);
      toDispose.push(thetaT);
      return await finish(A, o.da, thetaT, { start: 0, end: model.width }, { initial: o.lossInitial, final: o.lossFinal, flipped: loss.flipped }, id);
    }
    const pk = model.width * k;
    const [lo, hi] = recovery.layer === 'hidden' ? [0, pk + model.width] : recovery.layer === 'hidden-w' ? [0, pk] : [pk, pk + model.width];
    const A = recovery.layer === 'hidden' ? jacobian : jacobian.slice([lo, 0], [hi - lo, -1]);
    if (A !== jacobian) toDispose.push(A);
    const delta = dHidden!.slice(lo, hi - lo);
    const theta0 = tf.concat([init.W.reshape([-1]), init.b]).slice(lo, hi - lo);
    const thetaT = theta0.add(delta);
    toDispose.push(delta, theta0, thetaT);
    return await finish(A, delta, thetaT, { start: 0, end: hi - lo }, loss, id);
  } finally {
    tf.dispose(toDispose);
    disposeParams(init);
    disposeTask({ P, y });
  }
}

async function finish(
  A: tf.Tensor2D,
  delta: tf.Tensor,
  thetaT: tf.Tensor,
  eligible: { start: number; end: number },
  loss: { initial: number | null; final: number | null; flipped: number | null },
  id: string,
): Promise<Omit<Instance, 'trainMs'>> {
  const subspace = await toSubspace(A, id);
  const deltaValues = Float64Array.from(await delta.data());
  const thetaValues = await thetaT.data();
  return {
    subspace,
    delta: deltaValues,
    scales: { update: rms(deltaValues), params: rms(thetaValues) },
    eligible,
    lossInitial: loss.initial,
    lossFinal: loss.final,
    flippedShare: loss.flipped,
  };
}

/** Gaussian ablation: A ~ N(0, 1) of the CNN subspace's shape, clean update Δ = A g with g ~ N(0, I_n). */
function gaussianInstance(task: TrialTask<SyntheticConfig>, id: string): Omit<Instance, 'trainMs'> {
  const { model, data, recovery } = task.config;
  const m = layerSize(recovery.layer, model.width, patchSize(model));
  const n = data.samples;
  const seed = instanceSeed(task);
  const A = gaussianSubspaceData(seed, m, n);
  const g = Rng.stream(seed, 'gaussian-coefficients').normals(n);
  const delta = new Float64Array(m);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) delta[i] += A[i * n + j] * g[j];
  const scale = rms(delta);
  return { subspace: { id, m, n, data: A }, delta, scales: { update: scale, params: scale }, eligible: { start: 0, end: m }, lossInitial: null, lossFinal: null, flippedShare: null };
}

/** ||Δ − P_A Δ|| / ||Δ|| via the least-squares (l2) projection. */
async function distanceToSubspace(instance: Omit<Instance, 'trainMs'>, solvers: SolverPool): Promise<number> {
  const l2 = await solvers.get({ name: 'l2' });
  const [projection] = await l2.solve([{ A: instance.subspace, b: instance.delta }]);
  return relativeError(projection.delta, instance.delta);
}

/** Coordinates the corruption may hit, within the recovered layer's vector. */
function eligibleFor(config: SyntheticConfig, instance: Instance): { start: number; end: number } {
  const { recovery, contamination, model } = config;
  if (recovery.layer !== 'hidden' || recovery.subspace === 'gaussian' || contamination.target === 'all') return instance.eligible;
  const pk = model.width * patchSize(model);
  return contamination.target === 'w' ? { start: 0, end: pk } : { start: pk, end: pk + model.width };
}

function baseFields(task: TrialTask<SyntheticConfig>) {
  const c = task.config;
  return {
    key: task.key,
    sweep: task.sweep,
    cell: task.cell,
    trial: task.index,
    grid: task.grid,
    seed: instanceSeed(task),
    layer: c.recovery.layer,
    subspace: c.recovery.subspace,
    mode: c.training.mode,
    solver: solverLabel(c.solver),
    width: c.model.width,
    samples: c.data.samples,
    params: layerSize(c.recovery.layer, c.model.width, patchSize(c.model)),
    steps: c.training.steps,
    lr: c.training.lr,
    corruption: c.contamination.fraction,
  };
}

function measuredRecord(task: TrialTask<SyntheticConfig>, instance: Instance, offSubspace: number | null, corrupted: number, result: SolveResult): SyntheticTrialRecord {
  const failed = result.status === 'failed';
  const raw = failed ? null : relativeError(result.delta, instance.delta);
  const error = raw === null || !Number.isFinite(raw) ? null : raw;
  const { tolerance, stability } = task.config.recovery;
  return {
    ...baseFields(task),
    corrupted_count: corrupted,
    rel_error: error,
    success: error !== null && error <= tolerance,
    stable_success: error !== null && error <= tolerance + stability * (offSubspace ?? 0),
    status: result.status,
    ...(result.message ? { message: result.message } : {}),
    iterations: result.iterations ?? null,
    objective: result.objective ?? null,
    train_loss_initial: instance.lossInitial,
    train_loss_final: instance.lossFinal,
    flipped_share: instance.flippedShare,
    off_subspace: offSubspace,
    train_ms: roundMs(instance.trainMs),
    solve_ms: roundMs(result.solveMs),
    finished_at: new Date().toISOString(),
  };
}

function failedRecord(task: TrialTask<SyntheticConfig>, message: string, trainMs: number): SyntheticTrialRecord {
  return {
    ...baseFields(task),
    corrupted_count: 0,
    rel_error: null,
    success: false,
    stable_success: false,
    status: 'failed',
    message,
    iterations: null,
    objective: null,
    train_loss_initial: null,
    train_loss_final: null,
    flipped_share: null,
    off_subspace: null,
    train_ms: roundMs(trainMs),
    solve_ms: 0,
    finished_at: new Date().toISOString(),
  };
}
