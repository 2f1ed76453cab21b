/**
 * Synthetic data for the one-hidden-layer experiments (RESEARCH.md §1): Gaussian inputs x ~ N(0, I_d)
 * labelled by a planted teacher of the same architecture (small width), plus optional label noise, and the
 * student's seeded initialisation. All draws come from named streams of one seed.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../util/rng.ts';
import { forward, patchify, type CnnParams } from './cnn.ts';
import type { DataConfig, ModelConfig } from './schema.ts';

export interface SyntheticTask {
  /** Patched inputs [n, r, k]. */
  readonly P: tf.Tensor3D;
  /** Labels [n]. */
  readonly y: tf.Tensor1D;
}

export function patchSize(model: ModelConfig): number {
  return model.inputDim / model.patches;
}

export function makeTask(seed: number, model: ModelConfig, data: DataConfig): SyntheticTask {
  const n = data.samples;
  const X = tf.tensor2d(f32(Rng.stream(seed, 'inputs').normals(n * model.inputDim)), [n, model.inputDim], 'float32');
  const P = patchify(X, model.patches);
  X.dispose();
  const teacher = teacherParams(seed, model, data.teacherWidth);
  const noise = Rng.stream(seed, 'label-noise').normals(n, data.labelNoise);
  const y = tf.tidy(() => forward(P, teacher).add(tf.tensor1d(f32(noise), 'float32')) as tf.Tensor1D);
  tf.dispose([teacher.W, teacher.b, teacher.a]);
  return { P, y };
}

/** Teacher: W* ~ N(0, 1/k), b* = 0, a*_j = ±1/√p*. */
function teacherParams(seed: number, model: ModelConfig, width: number): CnnParams {
  const k = patchSize(model);
  const rng = Rng.stream(seed, 'teacher');
  const W = tf.tensor2d(f32(rng.normals(width * k, 1 / Math.sqrt(k))), [width, k], 'float32');
  const a = tf.tensor1d(Array.from({ length: width }, () => rng.sign() / Math.sqrt(width)), 'float32');
  return { W, b: tf.zeros([width]), a };
}

/** Student initialisation θ0: W0 ~ N(0, s²/k), b0 ~ N(0, β²), a0 = ±1/√p or N(0, 1/p). */
export function initStudent(seed: number, model: ModelConfig): CnnParams {
  const k = patchSize(model);
  const p = model.width;
  const rng = Rng.stream(seed, 'init');
  const W = tf.tensor2d(f32(rng.normals(p * k, model.filterScale / Math.sqrt(k))), [p, k], 'float32');
  const b = tf.tensor1d(f32(rng.normals(p, model.biasScale)), 'float32');
  const aValues = model.outputInit === 'sign' ? Array.from({ length: p }, () => rng.sign() / Math.sqrt(p)) : rng.normals(p, 1 / Math.sqrt(p));
  return { W, b, a: tf.tensor1d(f32(aValues), 'float32') };
}

export function disposeTask(task: SyntheticTask): void {
  tf.dispose([task.P, task.y]);
}

/** tfjs takes Float32Array, not Float64Array. */
function f32(values: ArrayLike<number>): Float32Array {
  return Float32Array.from(values);
}
