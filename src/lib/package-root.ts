/**
 * Where the harness lives and where its outputs go. The same code runs from source (src/lib/package-root.ts under
 * tsx, in a clone) and built (dist/lib/package-root.js, in a clone or installed under someone's node_modules);
 * either way this module sits two folders below the package root, which holds package.json, experiments/ and
 * configs/.
 */
import { resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root: shipped experiments/ and configs/, package.json. */
export const PACKAGE_ROOT = resolve(fileURLToPath(import.meta.url), '../../..');

/** An installed package (inside node_modules) must not write its results there: they would vanish with the next install. */
export const INSTALLED = PACKAGE_ROOT.split(sep).includes('node_modules');

/**
 * The user's directory: a path on the command line resolves against it, and its experiments/ and configs/ are
 * searched before the shipped ones. `npm run` and `npx` start in the package root and say where the user was in
 * INIT_CWD.
 */
export const USER_ROOT = process.env.INIT_CWD ?? process.cwd();

/** Default parent of output folders: results/ in the clone, ./results under the current directory when installed. */
export const RESULTS_ROOT = INSTALLED ? resolve(USER_ROOT, 'results') : resolve(PACKAGE_ROOT, 'results');

/** How the user invoked this command, for --help and manifests: set by the purify-cnn dispatcher. */
export function invokedAs(fallback: string): string {
  return process.env.PURIFY_CNN_INVOKED_AS ?? fallback;
}
