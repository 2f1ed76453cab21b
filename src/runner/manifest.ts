/** manifest.json: what produced these results (harness version, git commit, packages, backend, machine, times). */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, platform, release } from 'node:os';
import { dirname, join } from 'node:path';

const PACKAGES = ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'highs', 'vega', 'vega-lite', '@resvg/resvg-js', 'yaml', 'seedrandom'];

export interface Manifest {
  readonly experiment: string;
  /** `version` of this harness's package.json (CHANGELOG.md says what changed in results between versions). */
  readonly version: string;
  readonly command: string;
  readonly git: { commit: string | null; dirty: boolean | null };
  readonly packages: Record<string, string>;
  readonly backend: { requested: string; tfjs: string };
  readonly node: string;
  readonly platform: string;
  readonly cpu: { model: string; cores: number };
  readonly workers: number;
  readonly trials_planned: number;
  readonly trials_done: number;
  readonly resumed_from: number;
  readonly started_at: string;
  readonly ended_at: string | null;
}

/** The commit of the clone the harness runs from; none for an installed package (whose folder may sit inside someone else's repository). */
export function gitState(root: string): Manifest['git'] {
  if (!existsSync(join(root, '.git'))) return { commit: null, dirty: null };
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim().length > 0;
    return { commit, dirty };
  } catch {
    return { commit: null, dirty: null };
  }
}

/** The harness's own version, from the package.json at its root. */
export function harnessVersion(root: string): string {
  const version: unknown = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
  if (typeof version !== 'string') throw new Error(`${join(root, 'package.json')} has no version`);
  return version;
}

/** Versions of the packages that shape results, found the way Node resolves them (an installed harness has its dependencies hoisted beside it). */
export function packageVersions(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of PACKAGES) {
    const path = installedPackageJson(name, root);
    if (path) out[name] = JSON.parse(readFileSync(path, 'utf8')).version;
  }
  return out;
}

function installedPackageJson(name: string, from: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const path = join(dir, 'node_modules', name, 'package.json');
    if (existsSync(path)) return path;
    if (dirname(dir) === dir) return undefined;
  }
}

export function machine(): Pick<Manifest, 'node' | 'platform' | 'cpu'> {
  const list = cpus();
  return { node: process.version, platform: `${platform()} ${release()}`, cpu: { model: list[0]?.model ?? 'unknown', cores: list.length } };
}
