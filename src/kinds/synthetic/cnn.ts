/**
 * The one-hidden-layer non-overlapping CNN (RESEARCH.md §1):
 *
 *     f(x) = Σ_j a_j · (1/r) Σ_i relu(w_j · x^(i) + b_j)
 *
 * x ∈ R^d is cut into r patches of size k (d = r·k), W ∈ R^{p×k} holds the filters, b ∈ R^p the hidden biases,
 * a ∈ R^p the output weights. A non-overlapping convolution is a reshape plus a matmul, so everything here is
 * plain tfjs ops and runs on any backend.
 *
 * Shapes: inputs X [n, d]; patches P [n, r, k]; pre-activations Z [n, r, p]; gates G [n, r, p] ∈ {0, 1}.
 */
import * as tf from '@tensorflow/tfjs';

export interface CnnParams {
  readonly W: tf.Tensor2D; // [p, k]
  readonly b: tf.Tensor1D; // [p]
  readonly a: tf.Tensor1D; // [p]
}

/** [n, d] → [n, r, k]: patch i of sample s is x_s[i·k : (i+1)·k]. */
export function patchify(X: tf.Tensor2D, patches: number): tf.Tensor3D {
  const [n, d] = X.shape;
  return X.reshape([n, patches, d / patches]);
}

/** Z[s, i, j] = w_j · x_s^(i) + b_j. */
export function preActivations(P: tf.Tensor3D, W: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor3D {
  return tf.tidy(() => {
    const [n, r, k] = P.shape;
    const Z = tf.matMul(P.reshape([n * r, k]), W, false, true).add(b);
    return Z.reshape([n, r, W.shape[0]]);
  });
}

/** Activation pattern D[s, i, j] = 1[w_j · x_s^(i) + b_j > 0], as float 0/1. */
export function gates(P: tf.Tensor3D, W: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor3D {
  return tf.tidy(() => preActivations(P, W, b).greater(0).toFloat() as tf.Tensor3D);
}

/** Hidden features φ_j(x_s) = (1/r) Σ_i relu(z_{s,i,j}): [n, p]. */
export function features(P: tf.Tensor3D, W: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D {
  return tf.tidy(() => preActivations(P, W, b).relu().mean(1) as tf.Tensor2D);
}

/** f(x_s) for every sample: [n]. */
export function forward(P: tf.Tensor3D, params: CnnParams): tf.Tensor1D {
  return tf.tidy(() => tf.matMul(features(P, params.W, params.b), params.a.expandDims(1)).squeeze([1]) as tf.Tensor1D);
}

/**
 * The network with its activation pattern frozen to `G` (the gates at initialisation):
 *     f_G(x_s) = Σ_j a_j (1/r) Σ_i G[s,i,j] (w_j · x_s^(i) + b_j)
 * Since relu(z) = 1[z>0]·z, f_G equals f at the point where G was taken, and f_G is exactly the linearisation
 * f(θ0) + ∇f(θ0)·(θ − θ0) in the hidden parameters: gradient descent on it is the lazy-training model.
 */
export function gatedForward(P: tf.Tensor3D, params: CnnParams, G: tf.Tensor3D): tf.Tensor1D {
  return tf.tidy(() => {
    const H = preActivations(P, params.W, params.b).mul(G).mean(1) as tf.Tensor2D; // [n, p]
    return tf.matMul(H, params.a.expandDims(1)).squeeze([1]) as tf.Tensor1D;
  });
}

/**
 * Gradient of the squared loss L = (1/2n) Σ_s (f(x_s) − y_s)² in the hidden parameters, given residuals
 * e_s = f(x_s) − y_s and the gates G in effect (current pattern for ReLU training, initial one when linearized):
 *
 *     ∂L/∂w_j = (1/n) Σ_s e_s (a_j/r) Σ_i G[s,i,j] x_s^(i)
 *     ∂L/∂b_j = (1/n) Σ_s e_s (a_j/r) Σ_i G[s,i,j]
 *
 * Every step is a combination of the same n vectors (those of the subspace A_W) when G is fixed.
 */
export function hiddenGradient(P: tf.Tensor3D, a: tf.Tensor1D, G: tf.Tensor3D, e: tf.Tensor1D): { gW: tf.Tensor2D; gb: tf.Tensor1D } {
  return tf.tidy(() => {
    const [n, r, k] = P.shape;
    const p = a.shape[0];
    const M = G.mul(e.reshape([n, 1, 1])).reshape([n * r, p]); // e_s G[s,i,j]
    const scale = a.div(n * r); // a_j / (n r)
    const gW = tf.matMul(M, P.reshape([n * r, k]), true, false).mul(scale.expandDims(1)) as tf.Tensor2D;
    const gb = M.sum(0).mul(scale) as tf.Tensor1D;
    return { gW, gb };
  });
}

/** ∂L/∂a = (1/n) Φᵀ e with Φ [n, p] the hidden features: always in the span of the n feature vectors. */
export function outputGradient(Phi: tf.Tensor2D, e: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() => tf.matMul(Phi, e.expandDims(1), true, false).squeeze([1]).div(Phi.shape[0]) as tf.Tensor1D);
}

/** Mean squared loss (1/2n) Σ e². */
export function squaredLoss(e: tf.Tensor1D): number {
  return tf.tidy(() => e.square().mean().mul(0.5).dataSync()[0]);
}

export function disposeParams(params: CnnParams): void {
  tf.dispose([params.W, params.b, params.a]);
}
