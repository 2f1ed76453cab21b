/** A helper thread of product-threads.ts: computes the rows of C it is sent, and signals through shared flags. */
import { parentPort, workerData } from 'node:worker_threads';
import type { ThreadJob } from './product-threads.ts';
import { computeRows } from './row-kernel.ts';

const { alive } = workerData as { alive: Int32Array };
Atomics.store(alive, 0, 1);
parentPort!.on('message', (job: ThreadJob) => {
  try {
    computeRows(job);
  } catch {
    Atomics.store(job.signal, 1, 1);
  }
  Atomics.store(job.signal, 0, 1);
  Atomics.notify(job.signal, 0);
});
