/**
 * The large cell of `npm run bench -- --large`: one hidden-layer cell of the practical size (p = 1,400,
 * k = 8: m = 12,600; n = 2,000), trained and purified at five corruption levels on either side of the
 * theory curve, end to end through the runner as a sweep would run it. It reports the wall time and whether
 * each decision lies on the side of ε*(n/m) the theory predicts.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KINDS_URL } from '../kinds/index.ts';
import { synthetic } from '../kinds/synthetic/index.ts';
import { resolveAs } from '../plan/resolve.ts';
import { runExperiment } from '../runner/run.ts';
import { criticalCorruption } from '../theory/phase-transition.ts';

export const LARGE_CELL = { width: 1400, samples: 2000, fractions: [0.1, 0.3, 0.45, 0.6, 0.75] } as const;

export interface LargeCellTrial {
  readonly fraction: number;
  readonly success: boolean;
  /** Success below ε*, failure above it. */
  readonly asTheoryPredicts: boolean;
  readonly status: string;
  readonly message: string | undefined;
  readonly trainMs: number;
  readonly solveMs: number;
}

export interface LargeCellTiming {
  readonly solver: string;
  readonly m: number;
  readonly n: number;
  readonly criticalCorruption: number;
  readonly wallSeconds: number;
  readonly trials: readonly LargeCellTrial[];
}

export async function timeLargeCell(root: string, solver: string): Promise<LargeCellTiming> {
  const { width, samples, fractions } = LARGE_CELL;
  const all = resolveAs(synthetic, 'synthetic-sweep', {
    root,
    trials: 1,
    sets: [
      `solver=${solver}`,
      'workers=1',
      'sweeps={}',
      `sweeps.large.grid.model.width=${width}`,
      `sweeps.large.grid.data.samples=${samples}`,
      `sweeps.large.grid.contamination.fraction=[${fractions.join(',')}]`,
    ],
  });
  // `--set sweeps={}` merges into the file's sweeps, which then hold one cell each: keep the large one only.
  const resolved = { ...all, cells: all.cells.filter((c) => c.sweep === 'large') };
  const m = width * 9;
  const critical = criticalCorruption(samples / m);
  const dir = mkdtempSync(join(tmpdir(), `bench-large-${solver}-`));
  const started = performance.now();
  const outcome = await runExperiment(resolved, { outDir: dir, fresh: true, kinds: KINDS_URL, root, command: `bench --large: synthetic-sweep, one cell m=${m} n=${samples}, solver ${solver}` });
  const wallSeconds = (performance.now() - started) / 1000;
  const trials = outcome.records.map((r) => ({
      fraction: r.corruption,
      success: r.success,
      asTheoryPredicts: r.success === r.corruption < critical,
      status: r.status,
      message: r.message,
      trainMs: r.train_ms,
      solveMs: r.solve_ms,
    }));
  return { solver, m, n: samples, criticalCorruption: critical, wallSeconds, trials };
}
