/**
 * A worker thread started from a module beside the caller: `name.ts` when running from source under tsx,
 * `name.js` in the built package (dist/). Worker threads do not inherit tsx's loader, so from source the thread
 * registers it before importing the module; the built package needs no loader.
 */
import { Worker } from 'node:worker_threads';

export function spawnModuleWorker(callerUrl: string, name: string, workerData: unknown): Worker {
  const fromSource = callerUrl.endsWith('.ts');
  const entry = new URL(`./${name}${fromSource ? '.ts' : '.js'}`, callerUrl).href;
  if (!fromSource) return new Worker(new URL(entry), { workerData });
  const bootstrap = `import { register } from 'tsx/esm/api'; register(); await import(${JSON.stringify(entry)});`;
  return new Worker(bootstrap, { eval: true, workerData });
}
