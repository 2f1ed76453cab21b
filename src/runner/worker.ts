/**
 * A worker thread: imports the kind registry it was pointed at, initialises the backend once, then runs the work
 * units the pool sends it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { KindRegistry } from '../core/kind.ts';
import type { StoredTrial } from '../core/trial.ts';
import type { BackendName } from '../tensor/backend.ts';
import { UnitExecutor } from './execute.ts';
import type { WorkUnit } from './units.ts';

/** What a worker is started with (structured-cloned into the thread). */
export interface WorkerSetup {
  readonly backend: BackendName;
  /** URL of the module that exports the kind registry as `KINDS`. */
  readonly kinds: string;
  readonly kind: string;
}

export type ToWorker = { type: 'unit'; unit: WorkUnit } | { type: 'stop' };
export type FromWorker<R extends StoredTrial = StoredTrial> =
  | { type: 'ready' }
  | { type: 'done'; unitId: number; records: R[] }
  | { type: 'error'; unitId: number | null; message: string; stack?: string };

const port = parentPort!;
const send = (message: FromWorker) => port.postMessage(message);
const setup: WorkerSetup = workerData;

try {
  const registry: KindRegistry = (await import(setup.kinds)).KINDS;
  const kind = registry?.[setup.kind];
  if (!kind) throw new Error(`${setup.kinds} has no kind '${setup.kind}' in its KINDS`);
  const executor = await UnitExecutor.create(kind, setup.backend);
  port.on('message', async (message: ToWorker) => {
    if (message.type === 'stop') {
      await executor.dispose();
      port.close();
      return;
    }
    try {
      const records = await executor.run(message.unit);
      send({ type: 'done', unitId: message.unit.id, records });
    } catch (err) {
      send({ type: 'error', unitId: message.unit.id, message: err instanceof Error ? err.message : String(err), stack: err instanceof Error ? err.stack : undefined });
    }
  });
  send({ type: 'ready' });
} catch (err) {
  send({ type: 'error', unitId: null, message: err instanceof Error ? err.message : String(err) });
}
