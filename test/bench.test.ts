/**
 * The benchmark's own logic: the growth fit, its figure, and the Python peer (bench/peer.py), which must
 * implement the same experiment as the harness — checked cell by cell on a few cells, as --peer does.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { agreementWithPeer, peerUnavailable, runPeer } from '../src/bench/peer.ts';
import { fitPowerLaw, scalingSpec } from '../src/bench/scaling.ts';
import { synthetic } from '../src/kinds/synthetic/index.ts';
import { buildPlan } from '../src/plan/plan.ts';
import { resolveAs } from '../src/plan/resolve.ts';
import { specToSvg, withBaseConfig } from '../src/report/render.ts';
import { SolverPool } from '../src/solvers/pool.ts';
import { runSyntheticTrials } from '../src/kinds/synthetic/trial.ts';
import { useBackend } from '../src/tensor/backend.ts';
import { ROOT } from './helpers/experiment.ts';

beforeAll(async () => {
  await useBackend('wasm');
});

const SHAPES = [288, 576, 1152].flatMap((m) => [50, 100, 200].map((n) => ({ m, n })));

describe('the growth fit', () => {
  it('recovers the exponents of an exact power law', () => {
    const fit = fitPowerLaw(SHAPES.map(({ m, n }) => ({ m, n, ms: 0.003 * m * n ** 2 })))!;
    expect(fit.exponentM).toBeCloseTo(1, 9);
    expect(fit.exponentN).toBeCloseTo(2, 9);
    expect(fit.constant).toBeCloseTo(0.003, 9);
  });

  it('refuses shapes that cannot separate m from n', () => {
    expect(fitPowerLaw([{ m: 288, n: 50, ms: 1 }, { m: 576, n: 100, ms: 4 }, { m: 1152, n: 200, ms: 16 }])).toBeUndefined();
    expect(fitPowerLaw([{ m: 288, n: 50, ms: 1 }, { m: 576, n: 50, ms: 2 }])).toBeUndefined();
  });

  it('draws a log–log figure whose legend carries each solver\'s exponents', async () => {
    const points = SHAPES.flatMap(({ m, n }) => [
      { solver: 'admm', m, n, ms: 0.01 * m * n },
      { solver: 'highs', m, n, ms: 1e-4 * m ** 1.5 * n ** 2 },
    ]);
    const svg = await specToSvg(withBaseConfig(scalingSpec(points, 'growth')));
    expect(svg).toContain('admm  t ∝ m^1.00 · n^1.00');
    expect(svg).toContain('highs  t ∝ m^1.50 · n^2.00');
  });
});

const missing = peerUnavailable();
describe.skipIf(missing !== undefined)(`the Python peer${missing ? ` (skipped: ${missing})` : ''}`, () => {
  it('runs the same experiment: success rates close to the harness\'s cell by cell, exact at ε = 0, failing far above ε*', async () => {
    const peer = runPeer(ROOT, { trials: 2, workers: 2, quick: true });
    expect(peer.trials).toBe(40);
    for (const [key, cell] of Object.entries(peer.cells)) {
      if (key.endsWith('|0')) expect(cell.successes, key).toBe(2);
    }
    // width 5: m = 45 for n = 40 (n/m = 0.89, ε* ≈ 0.03)
    for (const eps of ['0.4', '0.6', '0.8']) expect(peer.cells[`by-width|5|40|${eps}`].successes).toBe(0);

    const resolved = resolveAs(synthetic, 'synthetic-sweep', {
      root: ROOT,
      trials: 2,
      sets: [
        'sweeps={}',
        'sweeps.by-width.grid.model.width=[5, 40]',
        'sweeps.by-width.grid.contamination.fraction=[0, 0.2, 0.4, 0.6, 0.8]',
        'sweeps.by-samples.grid.model.width=32',
        'sweeps.by-samples.grid.data.samples=[8, 144]',
        'sweeps.by-samples.grid.contamination.fraction=[0, 0.2, 0.4, 0.6, 0.8]',
      ],
    });
    const solvers = new SolverPool();
    const records = await runSyntheticTrials(buildPlan(resolved.cells).trials, solvers);
    await solvers.dispose();
    const agreement = agreementWithPeer(records, peer);
    expect(agreement.cells).toBe(20);
    expect(agreement.meanAbsDifference).toBeLessThanOrEqual(0.2);
  }, 120_000);
});
