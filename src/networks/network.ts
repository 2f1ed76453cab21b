/**
 * The practical network (docs/practical.md):
 *
 *     x [H, W, C] → frozen features h(x) (F of them) → [dense → ReLU]* → dense head (10 classes)
 *
 * The frozen features are either the "theory regime" random non-overlapping convolution,
 *
 *     conv k×k, stride k, p filters at its seeded initialisation → ReLU → flatten (F = (H/k)² · p),
 *
 * a reshape plus one matmul that needs no Conv2D kernels, or the "fine-tuning regime" pretrained backbone
 * (backbone.ts). The dense layers are trained. A dense layer is stored *augmented*, [out, in + 1] with the bias
 * as last column, so that each of its rows is one recovery problem: row j's update lies in span{(h(x_s), 1)} of
 * the layer's inputs.
 */
import * as tf from '@tensorflow/tfjs';
import { backboneFeatureCount, backboneFeatures, type Backbone } from './backbone.ts';
import { DATASET_SHAPE, type NetworkConfig, type NetworkExperimentConfig, type PracticalDataConfig } from './schema.ts';
import { Rng } from '../util/rng.ts';

export interface ImageShape {
  readonly side: number;
  readonly channels: number;
}

export interface Conv {
  /** [p, k·k·C]: filter j flattened in (row, column, channel) order. */
  readonly W: tf.Tensor2D;
  readonly b: tf.Tensor1D;
  readonly kernel: number;
}

/** The frozen part of the network: images to features. */
export interface FeatureMap {
  /** F, features per image. */
  readonly count: number;
  /** [N, H, W, C] in [0, 1] → [N, F]. */
  apply(X: tf.Tensor4D): tf.Tensor2D;
  /** Features = (raw activation − mean) / std, when the map standardises its raw activations. */
  readonly scaling?: { readonly mean: Float32Array; readonly std: Float32Array };
  dispose(): void;
}

export interface Network {
  readonly features: FeatureMap;
  /** Augmented dense layers [out, in + 1], bottom up; the last is the head. */
  readonly dense: readonly tf.Tensor2D[];
}

export const CLASSES = 10;

/** What fixes the layer shapes: the feature map's config and the hidden widths. */
export type NetworkShapeConfig = Pick<NetworkExperimentConfig, 'network' | 'backbone'> & { readonly data: Pick<PracticalDataConfig, 'dataset'> };

/** Number of random-conv features F = (side/k)² · p. */
export function convFeatureCount(net: NetworkConfig, shape: ImageShape): number {
  return (shape.side / net.kernel) ** 2 * net.filters;
}

/** F of a config: the backbone's, or the random convolution's. */
export function featureCount(config: NetworkShapeConfig): number {
  return config.backbone ? backboneFeatureCount(config.backbone, config.data.dataset) : convFeatureCount(config.network, DATASET_SHAPE[config.data.dataset]);
}

/** Widths of the dense layers' inputs and outputs: [F, ...hidden] → [...hidden, 10]. */
export function denseShapes(features: number, hidden: readonly number[]): { inputs: number; outputs: number }[] {
  const widths = [features, ...hidden, CLASSES];
  return widths.slice(0, -1).map((inputs, l) => ({ inputs, outputs: widths[l + 1] }));
}

/** The dense layers' shapes of a config. */
export function networkShapes(config: NetworkShapeConfig): { inputs: number; outputs: number }[] {
  return denseShapes(featureCount(config), config.network.hidden);
}

/** The random non-overlapping convolution: He-scaled filters and biases of scale biasScale, from `seed`. */
export function initConv(seed: number, net: NetworkConfig, shape: ImageShape): Conv {
  const fanIn = net.kernel * net.kernel * shape.channels;
  const convRng = Rng.stream(seed, 'conv');
  const W = tf.tensor2d(Float32Array.from(convRng.normals(net.filters * fanIn, net.filterScale * Math.sqrt(2 / fanIn))), [net.filters, fanIn]);
  const b = tf.tensor1d(Float32Array.from(convRng.normals(net.filters, net.biasScale)));
  return { W, b, kernel: net.kernel };
}

export function convMap(conv: Conv, shape: ImageShape): FeatureMap {
  return {
    count: (shape.side / conv.kernel) ** 2 * conv.W.shape[0],
    apply: (X) => convFeaturesChunked(X, conv),
    dispose: () => tf.dispose([conv.W, conv.b]),
  };
}

/**
 * The backbone's published pretraining head as the victim's θ0 of a one-layer head, on the features the map
 * gives: the head was trained on raw activations r, and h = (r − μ) / σ, so W r + b = (W ⊙ σ) h + (W μ + b).
 */
export function pretrainedHead(backbone: Backbone): tf.Tensor2D {
  return tf.tidy(() => {
    const { W, b } = backbone.head; // [F, 10], [10]
    const { mean, std } = backbone.scaling;
    const weights = tf.mul(W, std.reshape([-1, 1])); //                   rows scaled by σ
    const bias = tf.add(b, tf.matMul(mean.reshape([1, -1]), W).reshape([-1])); // b + Wᵀμ
    return tf.concat([tf.transpose(weights), bias.reshape([-1, 1])], 1) as tf.Tensor2D;
  });
}

/** A pretrained backbone's features; the backbone is shared (cached per process), so disposing the map keeps it. */
export function backboneMap(backbone: Backbone): FeatureMap {
  return {
    count: backboneFeatureCount(backbone.spec, backbone.spec.dataset),
    apply: (X) => backboneFeatures(X, backbone),
    scaling: { mean: backbone.scaling.mean.dataSync() as Float32Array, std: backbone.scaling.std.dataSync() as Float32Array },
    dispose: () => {},
  };
}

/** The raw activations behind a map's features (its standardisation undone), as a new tensor. */
export function rawActivations(features: tf.Tensor2D, map: Pick<FeatureMap, 'scaling'>): tf.Tensor2D {
  const { scaling } = map;
  return scaling ? tf.tidy(() => tf.add(tf.mul(features, tf.tensor1d(scaling.std)), tf.tensor1d(scaling.mean)) as tf.Tensor2D) : features.clone();
}

/**
 * θ0: the feature map (the random convolution from `seed`, unless `features` is given) and LeCun-scaled dense
 * weights with zero biases, every draw from `seed`.
 */
export function initNetwork(seed: number, net: NetworkConfig, shape: ImageShape, features: FeatureMap = convMap(initConv(seed, net, shape), shape)): Network {
  const dense = denseShapes(features.count, net.hidden).map(({ inputs, outputs }, l) => {
    const rng = Rng.stream(seed, `dense-${l}`);
    const values = new Float32Array(outputs * (inputs + 1));
    const std = net.denseScale / Math.sqrt(inputs);
    for (let o = 0; o < outputs; o++) for (let i = 0; i < inputs; i++) values[o * (inputs + 1) + i] = std * rng.normal();
    return tf.tensor2d(values, [outputs, inputs + 1]);
  });
  return { features, dense };
}

/** φ(x) for a batch X [N, H, W, C]: [N, F], features ordered (cell row, cell column, filter). */
export function convFeatures(X: tf.Tensor4D, conv: Conv): tf.Tensor2D {
  return tf.tidy(() => {
    const [N, H, Wd, C] = X.shape;
    const k = conv.kernel;
    const [gh, gw] = [H / k, Wd / k];
    const patches = X.reshape([N, gh, k, gw, k, C]).transpose([0, 1, 3, 2, 4, 5]).reshape([N * gh * gw, k * k * C]);
    const Z = tf.matMul(patches, conv.W, false, true).add(conv.b);
    return Z.relu().reshape([N, gh * gw * conv.W.shape[0]]) as tf.Tensor2D;
  });
}

/** φ for many images in chunks (bounds the size of the patch matrix). */
export function convFeaturesChunked(X: tf.Tensor4D, conv: Conv, chunk = 2000): tf.Tensor2D {
  if (X.shape[0] <= chunk) return convFeatures(X, conv);
  const parts: tf.Tensor2D[] = [];
  for (let s = 0; s < X.shape[0]; s += chunk) {
    const size = Math.min(chunk, X.shape[0] - s);
    parts.push(tf.tidy(() => convFeatures(X.slice([s, 0, 0, 0], [size, -1, -1, -1]), conv)));
  }
  const out = tf.concat(parts, 0);
  tf.dispose(parts);
  return out;
}

/** (h, 1): the augmented input a dense layer multiplies. */
export function augment(h: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.concat([h, tf.ones([h.shape[0], 1])], 1) as tf.Tensor2D);
}

/** Output of dense layer l on its input h: logits for the head, ReLU activations below it. */
export function denseLayer(h: tf.Tensor2D, W: tf.Tensor2D, isHead: boolean): tf.Tensor2D {
  return tf.tidy(() => {
    const z = tf.matMul(augment(h), W, false, true) as tf.Tensor2D;
    return isHead ? z : (z.relu() as tf.Tensor2D);
  });
}

/** The activations entering dense layer `l` (l = 0: the conv features themselves). */
export function inputsOf(features: tf.Tensor2D, dense: readonly tf.Tensor2D[], l: number): tf.Tensor2D {
  return tf.tidy(() => {
    let h = features;
    for (let i = 0; i < l; i++) h = denseLayer(h, dense[i], false);
    return h === features ? features.clone() : h;
  });
}

/** Logits [N, 10] from conv features. */
export function logits(features: tf.Tensor2D, dense: readonly tf.Tensor2D[]): tf.Tensor2D {
  return tf.tidy(() => {
    let h = features;
    dense.forEach((W, l) => (h = denseLayer(h, W, l === dense.length - 1)));
    return h;
  });
}

/** Predicted labels for conv features, in chunks (a wide hidden layer on 10k images is large). */
export async function predict(features: tf.Tensor2D, dense: readonly tf.Tensor2D[], chunk = 2000): Promise<Int32Array> {
  const N = features.shape[0];
  const out = new Int32Array(N);
  for (let s = 0; s < N; s += chunk) {
    const size = Math.min(chunk, N - s);
    const labels = tf.tidy(() => logits(features.slice([s, 0], [size, -1]), dense).argMax(1));
    out.set(await labels.data(), s);
    labels.dispose();
  }
  return out;
}

export function disposeNetwork(net: Network): void {
  net.features.dispose();
  tf.dispose([...net.dense]);
}
