/**
 * What a synthetic experiment config may say (RESEARCH.md §1–4), with defaults and the rules that tie keys
 * together. `SyntheticConfig` is the fully resolved form every later stage reads.
 */
import type { Issue, ObjectSchema, Schema } from './schema.ts';
import { commonFields, type CommonConfig } from './common-schema.ts';
import { solverSchema } from './solver-schema.ts';
import type { SolverSpec } from '../solvers/registry.ts';

export interface ModelConfig {
  /** d: input dimension. */
  readonly inputDim: number;
  /** r: number of non-overlapping patches; patch size k = d / r. */
  readonly patches: number;
  /** p: number of filters (hidden units). */
  readonly width: number;
  /** Initial filters W0 ~ N(0, filterScale² / k). */
  readonly filterScale: number;
  /** Initial hidden biases b0 ~ N(0, biasScale²). */
  readonly biasScale: number;
  /** Initial output weights a0: ±1/√p ('sign') or N(0, 1/p) ('gaussian'). */
  readonly outputInit: 'sign' | 'gaussian';
}

export interface DataConfig {
  /** n: number of training inputs; they also define the subspace. */
  readonly samples: number;
  /** Width of the planted teacher network that labels the inputs. */
  readonly teacherWidth: number;
  /** Standard deviation of Gaussian label noise. */
  readonly labelNoise: number;
}

export interface TrainingConfig {
  /** 'linearized': activation patterns frozen at initialisation; 'relu': true gradient descent. */
  readonly mode: 'linearized' | 'relu';
  /** Which layers are trained: the hidden layer (W, b) with a fixed, the output layer a with W, b fixed, or both (hidden first, then output). */
  readonly layers: 'hidden' | 'output' | 'both';
  readonly steps: number;
  readonly lr: number;
}

export interface ContaminationConfig {
  /** ε: expected share of corrupted coordinates of the recovered layer. */
  readonly fraction: number;
  /** 'bernoulli': each coordinate independently with probability ε; 'exact': exactly round(ε·m) coordinates. */
  readonly count: 'bernoulli' | 'exact';
  /** Shape of a corruption value: gaussian N(0, s²), uniform magnitude in [s/2, s], or constant magnitude s. */
  readonly distribution: 'gaussian' | 'uniform' | 'constant';
  /** s in units of `relativeTo`. */
  readonly scale: number;
  /** Unit of `scale`: RMS of the training update θ_T − θ0, RMS of the trained parameters θ_T, or 1. */
  readonly relativeTo: 'update' | 'params' | 'absolute';
  /** 'random' signs, or 'aligned' with a random vector of the subspace (the hardest sign pattern for l1). */
  readonly sign: 'random' | 'aligned';
  /** Coordinates that may be corrupted, within the recovered layer: all of them, only filters W, only biases b. */
  readonly target: 'all' | 'w' | 'b';
}

export interface RecoveryConfig {
  /** Which parameters are recovered: W and b together, W alone, b alone (hidden layer), or the output weights a. */
  readonly layer: 'hidden' | 'hidden-w' | 'hidden-b' | 'output';
  /** 'cnn': the subspace A_W / A_beta built from the training inputs; 'gaussian': ablation with a Gaussian A of the same shape. */
  readonly subspace: 'cnn' | 'gaussian';
  /** A trial succeeds when ||θ^ − θ_T|| / ||θ_T − θ0|| ≤ tolerance. */
  readonly tolerance: number;
  /**
   * A trial recovers *stably* when its error is at most `tolerance + stability · off_subspace`, the relative
   * distance of the clean update from the subspace: the most l1 recovery can promise once training left it.
   */
  readonly stability: number;
}

export interface SyntheticConfig extends CommonConfig {
  readonly kind: 'synthetic';
  readonly model: ModelConfig;
  readonly data: DataConfig;
  readonly training: TrainingConfig;
  readonly contamination: ContaminationConfig;
  readonly recovery: RecoveryConfig;
  readonly solver: SolverSpec;
}

const model: ObjectSchema = {
  kind: 'object',
  description: 'the student: one-hidden-layer non-overlapping CNN',
  fields: {
    inputDim: { kind: 'number', integer: true, min: 1, default: 32, description: 'd, input dimension' },
    patches: { kind: 'number', integer: true, min: 1, default: 4, description: 'r, non-overlapping patches (patch size k = d/r)' },
    width: { kind: 'number', integer: true, min: 1, default: 64, description: 'p, number of filters' },
    filterScale: { kind: 'number', min: 0, exclusiveMin: true, default: 1, description: 'W0 ~ N(0, filterScale²/k)' },
    biasScale: { kind: 'number', min: 0, default: 0.1, description: 'b0 ~ N(0, biasScale²)' },
    outputInit: { kind: 'string', enum: ['sign', 'gaussian'], default: 'sign', description: 'a0 = ±1/√p or N(0, 1/p)' },
  },
  check: (m) => {
    const d = m.inputDim as number;
    const r = m.patches as number;
    if (r > d) return [{ path: ['patches'], message: `expected at most inputDim (${d}) patches, got ${r}: a patch needs at least one input coordinate` }];
    if (d % r !== 0) return [{ path: ['patches'], message: `expected a divisor of inputDim (${d}) so the patches do not overlap or leave inputs out, got ${r}` }];
    return [];
  },
};

const data: ObjectSchema = {
  kind: 'object',
  description: 'synthetic data: x ~ N(0, I_d), labels from a planted teacher',
  fields: {
    samples: { kind: 'number', integer: true, min: 1, default: 40, description: 'n, training inputs (they span the subspace)' },
    teacherWidth: { kind: 'number', integer: true, min: 1, default: 4, description: 'width of the planted teacher' },
    labelNoise: { kind: 'number', min: 0, default: 0, description: 'std of Gaussian label noise' },
  },
};

const training: ObjectSchema = {
  kind: 'object',
  description: 'full-batch gradient descent on the squared loss from the seeded initialisation',
  fields: {
    mode: { kind: 'string', enum: ['linearized', 'relu'], default: 'linearized', description: 'linearized: patterns frozen at init; relu: true GD' },
    layers: { kind: 'string', enum: ['hidden', 'output', 'both'], default: 'hidden', description: 'which layers are trained (both: hidden, then output)' },
    steps: { kind: 'number', integer: true, min: 1, default: 200, description: 'gradient steps per trained layer' },
    lr: { kind: 'number', min: 0, exclusiveMin: true, default: 0.5, description: 'learning rate (for the output layer: lr/p, see model/train.ts)' },
  },
};

/** Where, how many and how large: the corruption keys every experiment kind shares. */
export const SPARSE_CORRUPTION_FIELDS: Readonly<Record<string, Schema>> = {
  fraction: { kind: 'number', min: 0, max: 1, default: 0.1, description: 'ε, share of corrupted coordinates' },
  count: { kind: 'string', enum: ['bernoulli', 'exact'], default: 'bernoulli', description: 'independent coin per coordinate, or exactly round(εm)' },
  distribution: { kind: 'string', enum: ['gaussian', 'uniform', 'constant'], default: 'gaussian', description: 'shape of a corruption value' },
  scale: { kind: 'number', min: 0, exclusiveMin: true, default: 10, description: 'size s of a corruption, in units of relativeTo' },
  relativeTo: { kind: 'string', enum: ['update', 'params', 'absolute'], default: 'update', description: "unit of scale: RMS of the layer's θ_T − θ0, RMS of θ_T, or 1" },
};

const contamination: ObjectSchema = {
  kind: 'object',
  description: 'sparse corruption z added to the trained parameters (RESEARCH.md §3)',
  fields: {
    ...SPARSE_CORRUPTION_FIELDS,
    sign: { kind: 'string', enum: ['random', 'aligned'], default: 'random', description: 'random signs or aligned with a subspace vector' },
    target: { kind: 'string', enum: ['all', 'w', 'b'], default: 'all', description: 'which coordinates of the recovered layer may be hit' },
  },
};

const recovery: ObjectSchema = {
  kind: 'object',
  description: 'what is recovered, from which subspace, and what counts as success',
  fields: {
    layer: { kind: 'string', enum: ['hidden', 'hidden-w', 'hidden-b', 'output'], default: 'hidden', description: 'recovered parameters' },
    subspace: { kind: 'string', enum: ['cnn', 'gaussian'], default: 'cnn', description: 'A from the training inputs, or a Gaussian ablation' },
    tolerance: { kind: 'number', min: 0, exclusiveMin: true, max: 1, default: 1e-4, description: 'success when relative error ≤ tolerance' },
    stability: { kind: 'number', min: 0, default: 3, description: 'stable success when relative error ≤ tolerance + stability × off-subspace distance' },
  },
};

/** Rules between sections: the trained layer must be the recovered one, the corruption target must exist in it. */
function checkSynthetic(c: Record<string, unknown>): Issue[] {
  const issues: Issue[] = [];
  const layer = (c.recovery as RecoveryConfig).layer;
  const trained = (c.training as TrainingConfig).layers;
  const target = (c.contamination as ContaminationConfig).target;
  const subspace = (c.recovery as RecoveryConfig).subspace;
  const needs = layer === 'output' ? 'output' : 'hidden';
  if (subspace === 'cnn' && trained !== needs && trained !== 'both') {
    issues.push({ path: ['training', 'layers'], message: `expected '${needs}' or 'both': recovery.layer '${layer}' recovers a layer that training.layers '${trained}' does not train` });
  }
  const allowed: Record<RecoveryConfig['layer'], string[]> = { hidden: ['all', 'w', 'b'], 'hidden-w': ['all', 'w'], 'hidden-b': ['all', 'b'], output: ['all'] };
  if (!allowed[layer].includes(target)) {
    issues.push({ path: ['contamination', 'target'], message: `expected one of ${allowed[layer].join(', ')} for recovery.layer '${layer}', got "${target}"` });
  }
  return issues;
}

export const syntheticSchema: ObjectSchema = {
  kind: 'object',
  fields: { ...commonFields('synthetic'), model, data, training, contamination, recovery, solver: solverSchema },
  check: checkSynthetic,
};
