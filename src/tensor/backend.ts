/**
 * Choosing the tfjs backend. The user names one; we load it and check that tfjs really uses it, because tfjs
 * silently falls back to its slow `cpu` backend when an initialisation fails (STACK.md). Never fall back.
 */
import * as tf from '@tensorflow/tfjs';

export const BACKENDS = ['wasm', 'cpu', 'node', 'node-gpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

export class BackendError extends Error {
  override name = 'BackendError';
}

/** tfjs's own name for the backend each of our names selects. */
const TFJS_NAME: Record<BackendName, string> = { wasm: 'wasm', cpu: 'cpu', node: 'tensorflow', 'node-gpu': 'tensorflow' };

const PACKAGE: Partial<Record<BackendName, string>> = {
  wasm: '@tensorflow/tfjs-backend-wasm',
  node: '@tensorflow/tfjs-node',
  'node-gpu': '@tensorflow/tfjs-node-gpu',
};

let active: BackendName | undefined;

/** Load and activate `name`; throws BackendError with a clear message if it cannot be used. Idempotent. */
export async function useBackend(name: BackendName): Promise<typeof tf> {
  if (active === name && tf.getBackend() === TFJS_NAME[name]) return tf;
  const pkg = PACKAGE[name];
  if (pkg) {
    try {
      await withoutNewProcessHandlers(() => import(/* @vite-ignore */ pkg));
    } catch (err) {
      throw new BackendError(
        `backend '${name}' was requested but the package ${pkg} could not be loaded (${firstLine(err)}). ` +
          (name === 'wasm'
            ? 'Run `npm ci` to install it.'
            : `Install it on a machine where its native library is available: npm install ${pkg}. It cannot be installed on machines without access to its binary download (see docs/backends.md).`),
      );
    }
  }
  let ok = false;
  try {
    ok = await withoutNewProcessHandlers(async () => {
      const set = await tf.setBackend(TFJS_NAME[name]);
      await tf.ready();
      return set;
    });
  } catch (err) {
    throw new BackendError(`backend '${name}' failed to initialise: ${firstLine(err)}`);
  }
  if (!ok || tf.getBackend() !== TFJS_NAME[name]) {
    throw new BackendError(
      `backend '${name}' was requested but tfjs is running on '${tf.getBackend()}'; refusing to continue on a backend that was not asked for`,
    );
  }
  active = name;
  return tf;
}

/** The backend currently in use, as tfjs reports it (for manifests). */
export function activeBackend(): { requested: BackendName | undefined; tfjs: string } {
  return { requested: active, tfjs: tf.getBackend() };
}

/**
 * The wasm backend's Emscripten module installs process-wide 'uncaughtException'/'unhandledRejection' handlers
 * that rethrow, so Node prints a screenful of minified wasm glue instead of the real error. Error handling
 * belongs to the application: remove whatever handlers loading a backend added.
 */
async function withoutNewProcessHandlers<T>(load: () => Promise<T>): Promise<T> {
  const uncaught = new Set(process.listeners('uncaughtException'));
  const unhandled = new Set(process.listeners('unhandledRejection'));
  try {
    return await load();
  } finally {
    for (const l of process.listeners('uncaughtException')) if (!uncaught.has(l)) process.removeListener('uncaughtException', l);
    for (const l of process.listeners('unhandledRejection')) if (!unhandled.has(l)) process.removeListener('unhandledRejection', l);
  }
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0];
}
