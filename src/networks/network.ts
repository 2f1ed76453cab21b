/**
 * The practical network (docs/practical.md):
 *
 *     x [H, W, C] → conv k×k, stride k, p filters → ReLU → flatten (F = (H/k)² · p features φ(x))
 *       → [dense → ReLU]* → dense head (10 classes)
 *
 * A non-overlapping convolution is a reshape plus one matmul, so it needs no Conv2D kernels (and no
 * Conv2DBackpropFilter, which the wasm backend lacks). The convolution stays at its seeded initialisation; the
 * dense layers are trained. A dense layer is stored *augmented*, [out, in + 1] with the bias as last column, so
 * that each of its rows is one recovery problem: row j's update lies in span{(h(x_s), 1)} of the layer's inputs.
 */
import * as tf from '@tensorflow/tfjs';
import type { NetworkConfig } from './schema.ts';
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

export interface Network {
  readonly conv: Conv;
  /** Augmented dense layers [out, in + 1], bottom up; the last is the head. */
  readonly dense: readonly tf.Tensor2D[];
}

export const CLASSES = 10;

/** Number of conv features F = (side/k)² · p. */
export function featureCount(net: NetworkConfig, shape: ImageShape): number {
  return (shape.side / net.kernel) ** 2 * net.filters;
}

/** Widths of the dense layers' inputs and outputs: [F, ...hidden] → [...hidden, 10]. */
export function denseShapes(net: NetworkConfig, shape: ImageShape): { inputs: number; outputs: number }[] {
  const widths = [featureCount(net, shape), ...net.hidden, CLASSES];
  return widths.slice(0, -1).map((inputs, l) => ({ inputs, outputs: widths[l + 1] }));
}

/** θ0: He-scaled conv filters, LeCun-scaled dense weights, zero dense biases; every draw from `seed`. */
export function initNetwork(seed: number, net: NetworkConfig, shape: ImageShape): Network {
  const fanIn = net.kernel * net.kernel * shape.channels;
  const convRng = Rng.stream(seed, 'conv');
  const W = tf.tensor2d(Float32Array.from(convRng.normals(net.filters * fanIn, net.filterScale * Math.sqrt(2 / fanIn))), [net.filters, fanIn]);
  const b = tf.tensor1d(Float32Array.from(convRng.normals(net.filters, net.biasScale)));
  const dense = denseShapes(net, shape).map(({ inputs, outputs }, l) => {
    const rng = Rng.stream(seed, `dense-${l}`);
    const values = new Float32Array(outputs * (inputs + 1));
    const std = net.denseScale / Math.sqrt(inputs);
    for (let o = 0; o < outputs; o++) for (let i = 0; i < inputs; i++) values[o * (inputs + 1) + i] = std * rng.normal();
    return tf.tensor2d(values, [outputs, inputs + 1]);
  });
  return { conv: { W, b, kernel: net.kernel }, dense };
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
  tf.dispose([net.conv.W, net.conv.b, ...net.dense]);
}
