/**
 * Helper threads for large float64 row products (row-products.ts): C's rows are split among this thread and
 * helpers that run the same kernel (row-kernel.ts) on shared memory. Each entry is computed by the same code in
 * the same order whichever thread computes it, so the bits never depend on the number of threads.
 *
 * Solvers are synchronous, so the calling thread waits for its helpers with Atomics.wait (allowed in Node's main
 * thread and in workers). Why threads at all: a basis of range(A) at the practical size (m = 12,600, n = 2,000)
 * is ≈ 50 G multiply-adds in float64, and a run with one worker (the large cell, any single-cell experiment)
 * would leave the other cores idle.
 *
 * How many: PURIFY_CNN_THREADS (≥ 1; 1 turns helpers off), default all cores (os.availableParallelism()). Only
 * products of at least THREAD_WORK multiply-adds are split (≈ 0.1 s on one core with the SIMD kernel): none of
 * the default synthetic grid's (its largest, a basis at m = 288, n = 144, is ≈ 3e6), so its 2 worker processes
 * never start helpers. With the scalar kernel, splitting products down to 3e7 made the large cell slower (65–69 s
 * against 51–54 s): operands are copied to shared memory per product, and a helper's code is not yet optimised
 * when it gets few, small parts. The threshold was not re-tuned for the SIMD kernel.
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { spawnModuleWorker } from '../util/module-worker.ts';
import { computeRows, type RowProductJob } from './row-kernel.ts';

const THREAD_WORK = 1e9;
/** How long a helper may take to start (load its module) before the product fails with a clear error. */
const START_TIMEOUT_MS = 60_000;

/** A job for a helper: the operands on shared memory, and the two flags it reports through. */
export interface ThreadJob extends RowProductJob {
  /** [0]: 1 when done; [1]: 1 when it failed. */
  readonly signal: Int32Array;
}

interface Helper {
  readonly worker: Worker;
  /** [0]: 1 once the helper's module has loaded. */
  readonly alive: Int32Array;
}

const helpers: Helper[] = [];

/** Threads to use for a product of `work` multiply-adds (1: this thread only). */
export function productThreads(work: number): number {
  if (work < THREAD_WORK) return 1;
  return configuredThreads();
}

function configuredThreads(): number {
  const raw = process.env.PURIFY_CNN_THREADS;
  if (raw === undefined || raw === '') return availableParallelism();
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`PURIFY_CNN_THREADS must be a whole number ≥ 1 (threads for float64 products); got '${raw}'`);
  return n;
}

/**
 * Runs `job` (all of C's rows) on this thread and threads − 1 helpers. C must be on shared memory (rowProducts
 * allocates it there): the helpers write into it. X and Y are copied there when they are not.
 */
export function inThreads(job: RowProductJob, threads: number): void {
  if (!(job.C.buffer instanceof SharedArrayBuffer)) throw new Error('inThreads: C must be on shared memory');
  const X = onSharedMemory(job.X);
  const shared = { ...job, X, Y: job.Y === job.X ? X : onSharedMemory(job.Y) };
  const bounds = splitRows(job, threads);
  const signals = bounds.slice(1).map((_, h) => {
    const signal = new Int32Array(new SharedArrayBuffer(8));
    const helper = helperAt(h);
    helper.worker.postMessage({ ...shared, pStart: bounds[h + 1][0], pEnd: bounds[h + 1][1], signal } satisfies ThreadJob);
    return { signal, helper };
  });
  computeRows({ ...shared, pStart: bounds[0][0], pEnd: bounds[0][1] });
  for (const { signal, helper } of signals) awaitHelper(signal, helper);
}

/**
 * Row ranges (multiples of 4) with equal work: equal counts for the rectangular shapes; for 'symmetric', where
 * row p costs ∝ p, boundaries at P·sqrt(k / threads).
 */
function splitRows({ xo, shape }: RowProductJob, threads: number): [number, number][] {
  const P = xo.length;
  const at = (k: number) => {
    const f = shape === 'symmetric' ? Math.sqrt(k / threads) : k / threads;
    return k === threads ? P : Math.min(P, 4 * Math.round((f * P) / 4));
  };
  return Array.from({ length: threads }, (_, k) => [at(k), at(k + 1)] as [number, number]).filter(([a, b]) => b > a);
}

function awaitHelper(signal: Int32Array, helper: Helper): void {
  const started = performance.now();
  while (Atomics.load(signal, 0) === 0) {
    Atomics.wait(signal, 0, 0, 1000);
    if (Atomics.load(helper.alive, 0) === 0 && performance.now() - started > START_TIMEOUT_MS) {
      throw new Error(`a float64 product helper thread did not start within ${START_TIMEOUT_MS / 1000} s (set PURIFY_CNN_THREADS=1 to run without helpers)`);
    }
  }
  if (Atomics.load(signal, 1) !== 0) throw new Error('a float64 product helper thread failed (set PURIFY_CNN_THREADS=1 to run without helpers)');
}

function helperAt(h: number): Helper {
  while (helpers.length <= h) {
    const alive = new Int32Array(new SharedArrayBuffer(4));
    const worker = spawnModuleWorker(import.meta.url, 'product-thread', { alive });
    worker.unref(); // idle helpers never keep the process alive
    helpers.push({ worker, alive });
  }
  return helpers[h];
}

/** `x` itself when it is on shared memory, else a copy there. */
export function onSharedMemory(x: Float64Array): Float64Array {
  if (x.buffer instanceof SharedArrayBuffer) return x;
  const copy = new Float64Array(new SharedArrayBuffer(x.byteLength));
  copy.set(x);
  return copy;
}
