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

/** Folder for a user's own experiments/ and configs/, searched before the shipped ones (under `npm run` it is the package root itself). */
export const USER_ROOT = process.cwd();

/** Default parent of output folders: results/ in the clone, ./results under the current directory when installed. */
export const RESULTS_ROOT = INSTALLED ? resolve(process.cwd(), 'results') : resolve(PACKAGE_ROOT, 'results');

/** How the user invoked this command, for --help and manifests: set by the purify-cnn dispatcher. */
export function invokedAs(fallback: string): string {
  return process.env.PURIFY_CNN_INVOKED_AS ?? fallback;
}
