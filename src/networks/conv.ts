/**
 * The standard CNN layers of the pretrained backbone (docs/practical.md §5), written once as tfjs ops so they run
 * and train on every backend.
 *
 * The wasm backend lacks the Conv2DBackpropFilter kernel (STACK.md), so `tf.grad` of `tf.conv2d` fails there, and
 * its Conv2DBackpropInput is ~10× slower than its forward Conv2D. `conv3x3` therefore keeps the native forward
 * convolution and writes both gradients as forward convolutions too (stride 1, padding 1, x [N, H, W, C],
 * W [3, 3, C, O], dy [N, H, W, O]):
 *
 *     dx[n, y, x, c]    = Σ_{ky,kx,o} dy_pad[n, y+ky, x+kx, o] · W[2−ky, 2−kx, c, o]
 *                       = conv2d(dy, W rotated by 180° with C and O swapped, 'same')
 *     dW[ky, kx, c, o]  = Σ_{n,y,x} x_pad[n, y+ky, x+kx, c] · dy[n, y, x, o]
 *                       = conv2d(x_pad as [C, H+2, W+2, N], dy as an [H, W, N, O] filter, 'valid')  ([C, 3, 3, O])
 *
 * Both are checked against the definitions, computed by loops, in test/backbone.test.ts.
 */
import * as tf from '@tensorflow/tfjs';

/** 3×3 convolution, stride 1, zero padding 1 ('same'): x [N, H, W, C], W [3, 3, C, O] → [N, H, W, O]. */
export const conv3x3 = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [input, filter, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.GradSaveFunc];
  save([input, filter]);
  return {
    value: tf.conv2d(input, filter, 1, 'same'),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [x, W] = saved as [tf.Tensor4D, tf.Tensor4D];
      return [inputGradient(dy as tf.Tensor4D, W), filterGradient(x, dy as tf.Tensor4D)];
    },
  };
}) as (x: tf.Tensor4D, W: tf.Tensor4D) => tf.Tensor4D;

/** ∂L/∂x from ∂L/∂y: the "full" correlation with the rotated, transposed filter (see the module comment). */
export function inputGradient(dy: tf.Tensor4D, W: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.conv2d(dy, tf.reverse(W, [0, 1]).transpose([0, 1, 3, 2]) as tf.Tensor4D, 1, 'same'));
}

/** ∂L/∂W from the layer input and ∂L/∂y, with the batch as the contracted "channel" axis. */
export function filterGradient(x: tf.Tensor4D, dy: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const columns = tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]).transpose([3, 1, 2, 0]) as tf.Tensor4D; // [C, H+2, W+2, N]
    const kernel = dy.transpose([1, 2, 0, 3]) as tf.Tensor4D; //                                       [H, W, N, O]
    return tf.conv2d(columns, kernel, 1, 'valid').transpose([1, 2, 0, 3]) as tf.Tensor4D; //          [3, 3, C, O]
  });
}

/** 2×2 max pooling, stride 2 (MaxPool and MaxPoolGrad exist on every backend). */
export function maxPool2(x: tf.Tensor4D): tf.Tensor4D {
  return tf.maxPool(x, 2, 2, 'valid');
}
