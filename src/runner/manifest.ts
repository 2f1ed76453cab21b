/** manifest.json: what produced these results (code version, packages, backend, machine, times). */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, platform, release } from 'node:os';
import { join } from 'node:path';

const PACKAGES = ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'highs', 'vega', 'vega-lite', '@resvg/resvg-js', 'yaml', 'seedrandom'];

export interface Manifest {
  readonly experiment: string;
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

export function gitState(root: string): Manifest['git'] {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim().length > 0;
    return { commit, dirty };
  } catch {
    return { commit: null, dirty: null };
  }
}

export function packageVersions(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of PACKAGES) {
    const path = join(root, 'node_modules', name, 'package.json');
    if (existsSync(path)) out[name] = JSON.parse(readFileSync(path, 'utf8')).version;
  }
  return out;
}

export function machine(): Pick<Manifest, 'node' | 'platform' | 'cpu'> {
  const list = cpus();
  return { node: process.version, platform: `${platform()} ${release()}`, cpu: { model: list[0]?.model ?? 'unknown', cores: list.length } };
}
