/** The backend's own matmul rate, measured the same way as the solvers: the yardstick for their GFLOP/s. */
import * as tf from '@tensorflow/tfjs';
import { median } from '../report/stats.ts';

/** Median GFLOP/s of an [m×k]·[k×n] product (2mkn flops), including the download of the result. */
export function matmulRate(m: number, k: number, n: number, repetitions = 7): number {
  const a = tf.randomNormal([m, k], 0, 1, 'float32', 1);
  const b = tf.randomNormal([k, n], 0, 1, 'float32', 2);
  const warm = tf.matMul(a, b);
  warm.dataSync();
  warm.dispose();
  const inner = Math.max(1, Math.round(2e8 / (2 * m * k * n))); // ~0.2 GFLOP per timing
  const rates: number[] = [];
  for (let rep = 0; rep < repetitions; rep++) {
    const t = performance.now();
    for (let i = 0; i < inner; i++) {
      const c = tf.matMul(a, b);
      c.dataSync();
      c.dispose();
    }
    rates.push((2 * m * k * n * inner) / ((performance.now() - t) * 1e-3) / 1e9);
  }
  tf.dispose([a, b]);
  return median(rates)!;
}
