/**
 * The peer of `npm run bench -- --peer`: bench/peer.py, the default synthetic-sweep written with numpy and
 * SciPy's HiGHS, run on the same cores in the same benchmark. It draws its own random numbers, so the two
 * runs are compared cell by cell (success rates), not trial by trial; the wall times give the ratio.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import type { SyntheticTrialRecord } from '../kinds/synthetic/records.ts';
import { groupBy } from '../util/collections.ts';

const PeerOutput = z.object({
  peer: z.string(),
  numpy: z.string(),
  scipy: z.string(),
  workers: z.number().int().positive(),
  trials: z.number().int().nonnegative(),
  trials_per_cell: z.number().int().positive(),
  wall_seconds: z.number().nonnegative(),
  cells: z.record(z.string(), z.object({ trials: z.number().int(), successes: z.number().int() })),
});
export type PeerOutput = z.output<typeof PeerOutput>;

/** Why the peer cannot run here (no python3, numpy or scipy), or undefined when it can. */
export function peerUnavailable(python = 'python3'): string | undefined {
  const probe = spawnSync(python, ['-c', 'import numpy, scipy.optimize'], { encoding: 'utf8' });
  if (probe.error) return `${python} is not on PATH (${probe.error.message})`;
  if (probe.status !== 0) return `${python} lacks numpy or scipy: ${probe.stderr.trim().split('\n').at(-1)}`;
  return undefined;
}

export interface PeerOptions {
  readonly trials: number;
  readonly workers: number;
  readonly python?: string;
  /** Four cells × five corruption levels instead of the sweep (a smoke test). */
  readonly quick?: boolean;
}

/** Run bench/peer.py; its output goes to ours. */
export function runPeer(root: string, options: PeerOptions): PeerOutput {
  const out = join(mkdtempSync(join(tmpdir(), 'bench-peer-')), 'peer.json');
  const flags = ['--trials', String(options.trials), '--workers', String(options.workers), '--out', out, ...(options.quick ? ['--quick'] : [])];
  const run = spawnSync(options.python ?? 'python3', [join(root, 'bench', 'peer.py'), ...flags], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (run.error || run.status !== 0) throw new Error(`bench/peer.py failed (${run.error?.message ?? `exit code ${run.status}`})`);
  return PeerOutput.parse(JSON.parse(readFileSync(out, 'utf8')));
}

/** The peer's cell key for one of our records: sweep, width, samples, ε to three decimals (Python's `:g`). */
function cellKey(sweep: string, width: number, samples: number, fraction: number): string {
  return `${sweep}|${width}|${samples}|${Number(fraction.toFixed(3))}`;
}

export interface PeerAgreement {
  /** Cells present in both runs. */
  readonly cells: number;
  /** Mean and largest |success rate (ours) − success rate (peer)| over those cells. */
  readonly meanAbsDifference: number;
  readonly maxAbsDifference: number;
}

/** How close our success rates are to the peer's, cell by cell: the two implement the same experiment. */
export function agreementWithPeer(records: readonly SyntheticTrialRecord[], peer: PeerOutput): PeerAgreement {
  const ours = groupBy(records, (r) => cellKey(r.sweep, r.width, r.samples, r.corruption));
  const differences: number[] = [];
  for (const [key, group] of ours) {
    const theirs = peer.cells[key];
    if (!theirs || theirs.trials === 0) continue;
    const rate = group.filter((r) => r.success).length / group.length;
    differences.push(Math.abs(rate - theirs.successes / theirs.trials));
  }
  return {
    cells: differences.length,
    meanAbsDifference: differences.length ? differences.reduce((a, b) => a + b, 0) / differences.length : Number.NaN,
    maxAbsDifference: differences.length ? Math.max(...differences) : Number.NaN,
  };
}
