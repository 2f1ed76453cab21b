/**
 * Running work units on N workers (worker threads, each with its own tfjs backend and solvers) or, with one
 * worker, in this thread. Results are reported unit by unit as they finish; their order does not matter
 * because every trial's result depends only on its own seed and parameters.
 */
import { Worker } from 'node:worker_threads';
import type { BackendName } from '../tensor/backend.ts';
import { UnitExecutor } from './execute.ts';
import type { StoredTrial } from './store.ts';
import type { WorkUnit } from './units.ts';
import type { FromWorker, ToWorker } from './worker.ts';

export interface PoolOptions {
  readonly workers: number;
  readonly backend: BackendName;
  readonly onResult: (records: StoredTrial[], unit: WorkUnit) => void;
}

export class WorkerFailure extends Error {
  override name = 'WorkerFailure';
}

export async function runUnits(units: readonly WorkUnit[], options: PoolOptions): Promise<void> {
  if (units.length === 0) return;
  const count = Math.min(options.workers, units.length);
  if (count <= 1) return runInProcess(units, options);
  const queue = [...units];
  await Promise.all(Array.from({ length: count }, () => workerLoop(queue, options)));
}

async function runInProcess(units: readonly WorkUnit[], options: PoolOptions): Promise<void> {
  const executor = await UnitExecutor.create(options.backend);
  try {
    for (const unit of units) options.onResult(await executor.run(unit), unit);
  } finally {
    await executor.dispose();
  }
}

/** One worker takes units from the shared queue until it is empty. */
function workerLoop(queue: WorkUnit[], options: PoolOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const worker = spawnWorker(options.backend);
    let current: WorkUnit | undefined;
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      queue.length = 0; // stop the other workers after their current unit
      void worker.terminate();
      reject(err);
    };
    const next = () => {
      current = queue.shift();
      if (current) worker.postMessage({ type: 'unit', unit: current } satisfies ToWorker);
      else {
        settled = true;
        worker.postMessage({ type: 'stop' } satisfies ToWorker);
        resolve();
      }
    };
    worker.on('message', (message: FromWorker) => {
      if (message.type === 'ready') return next();
      if (message.type === 'done') {
        try {
          options.onResult(message.records as StoredTrial[], current!);
        } catch (err) {
          return fail(err as Error);
        }
        return next();
      }
      fail(new WorkerFailure(message.unitId === null ? `worker failed to start: ${message.message}` : `work unit ${message.unitId} failed: ${message.message}\n${message.stack ?? ''}`));
    });
    worker.on('error', (err) => fail(new WorkerFailure(`worker crashed: ${err.message}`)));
    worker.on('exit', (code) => {
      if (!settled) fail(new WorkerFailure(`worker exited with code ${code} while running unit ${current?.id ?? '(none)'}`));
    });
  });
}

/** Worker threads do not inherit tsx's loader; register it in the thread before importing the worker module. */
function spawnWorker(backend: BackendName): Worker {
  const entry = new URL('./worker.ts', import.meta.url).href;
  const bootstrap = `import { register } from 'tsx/esm/api'; register(); await import(${JSON.stringify(entry)});`;
  return new Worker(bootstrap, { eval: true, workerData: { backend } });
}
