/** A worker thread: initialises the backend once, then runs the work units the pool sends it. */
import { parentPort, workerData } from 'node:worker_threads';
import { UnitExecutor } from './execute.ts';
import type { WorkUnit } from './units.ts';

export type ToWorker = { type: 'unit'; unit: WorkUnit } | { type: 'stop' };
export type FromWorker =
  | { type: 'ready' }
  | { type: 'done'; unitId: number; records: unknown[] }
  | { type: 'error'; unitId: number | null; message: string; stack?: string };

const port = parentPort!;
const send = (message: FromWorker) => port.postMessage(message);

try {
  const executor = await UnitExecutor.create(workerData.backend);
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
