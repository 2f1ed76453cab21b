/**
 * Running work units on N workers (worker threads, each with its own tfjs backend and solvers) or, with one
 * worker, in this thread. Results are reported unit by unit as they finish; their order does not matter
 * because every trial's result depends only on its own seed and parameters.
 *
 * A worker starts from a module URL, not from objects: it is told where the kind registry is (`kinds`) and which
 * kind to run, and imports the registry itself. So the runner runs any kind without importing one.
 */
import { Worker } from 'node:worker_threads';
import type { CommonConfig } from '../core/config.ts';
import type { ExperimentKind } from '../core/kind.ts';
import type { StoredTrial } from '../core/trial.ts';
import type { BackendName } from '../tensor/backend.ts';
import { spawnModuleWorker } from '../util/module-worker.ts';
import { UnitExecutor } from './execute.ts';
import type { WorkUnit } from './units.ts';
import type { FromWorker, ToWorker, WorkerSetup } from './worker.ts';

export interface PoolOptions<C extends CommonConfig, R extends StoredTrial> {
  readonly workers: number;
  readonly backend: BackendName;
  /** The kind, run in this thread when there is one worker. */
  readonly kind: Pick<ExperimentKind<C, R>, 'name' | 'run'>;
  /** URL of the module exporting the kind registry as `KINDS` (src/kinds/index.ts), which worker threads import. */
  readonly kinds: string;
  readonly onResult: (records: R[], unit: WorkUnit<C>) => void;
}

export class WorkerFailure extends Error {
  override name = 'WorkerFailure';
}

export async function runUnits<C extends CommonConfig, R extends StoredTrial>(units: readonly WorkUnit<C>[], options: PoolOptions<C, R>): Promise<void> {
  if (units.length === 0) return;
  const count = Math.min(options.workers, units.length);
  if (count <= 1) return runInProcess(units, options);
  const queue = [...units];
  await Promise.all(Array.from({ length: count }, () => workerLoop(queue, options)));
}

async function runInProcess<C extends CommonConfig, R extends StoredTrial>(units: readonly WorkUnit<C>[], options: PoolOptions<C, R>): Promise<void> {
  const executor = await UnitExecutor.create(options.kind, options.backend);
  try {
    for (const unit of units) options.onResult(await executor.run(unit), unit);
  } finally {
    await executor.dispose();
  }
}

/** One worker takes units from the shared queue until it is empty. */
function workerLoop<C extends CommonConfig, R extends StoredTrial>(queue: WorkUnit<C>[], options: PoolOptions<C, R>): Promise<void> {
  return new Promise((resolve, reject) => {
    const worker = spawnWorker({ backend: options.backend, kinds: options.kinds, kind: options.kind.name });
    let current: WorkUnit<C> | undefined;
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
    worker.on('message', (message: FromWorker<R>) => {
      if (message.type === 'ready') return next();
      if (message.type === 'done') {
        try {
          options.onResult(message.records, current!);
        } catch (err) {
          return fail(err instanceof Error ? err : new Error(String(err)));
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

/** The worker module (worker.ts, or worker.js in dist/) in a thread of its own. */
function spawnWorker(setup: WorkerSetup): Worker {
  return spawnModuleWorker(import.meta.url, 'worker', setup);
}
