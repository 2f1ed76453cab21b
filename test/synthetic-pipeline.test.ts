import { beforeAll, describe, expect, it } from 'vitest';
import { synthetic } from '../src/kinds/synthetic/index.ts';
import type { SyntheticTrialRecord } from '../src/kinds/synthetic/records.ts';
import { compareSolvers } from '../src/kinds/synthetic/solver-agreement.ts';
import { runSyntheticTrials } from '../src/kinds/synthetic/trial.ts';
import { buildPlan } from '../src/plan/plan.ts';
import { resolveAs } from '../src/plan/resolve.ts';
import { SolverPool } from '../src/solvers/pool.ts';
import { useBackend } from '../src/tensor/backend.ts';
import { criticalCorruption } from '../src/theory/phase-transition.ts';
import { ROOT, writeConfig } from './helpers/experiment.ts';

const solvers = new SolverPool();
beforeAll(async () => {
  await useBackend('wasm');
});

/** Run every trial of a config (given as YAML extending synthetic-sweep) in-process. */
async function trials(yaml: string, sets: string[] = []): Promise<SyntheticTrialRecord[]> {
  const resolved = resolveAs(synthetic, writeConfig(yaml), { root: ROOT, sets });
  return runSyntheticTrials(buildPlan(resolved.cells).trials, solvers);
}

const rate = (records: SyntheticTrialRecord[], eps: number) => {
  const cell = records.filter((r) => r.corruption === eps);
  return cell.filter((r) => r.success).length / cell.length;
};

// width 16, k = 8: m = 144 hidden parameters; n = 20 → n/m ≈ 0.14, theory ε* ≈ 0.54.
const CELL = (layer: string, extra = '') => `
extends: synthetic-sweep
trials: 5
recovery: { layer: ${layer} }
${extra}
sweeps:
  s:
    grid:
      model: { width: 16 }
      data: { samples: 20 }
      contamination: { fraction: [0.1, 0.85] }
`;

describe('synthetic purification, end to end', () => {
  it('recovers the hidden layer exactly well below the theory curve and fails well above it', async () => {
    expect(criticalCorruption(20 / 144)).toBeGreaterThan(0.5);
    const records = await trials(CELL('hidden'));
    expect(rate(records, 0.1)).toBe(1);
    expect(rate(records, 0.85)).toBe(0);
    for (const r of records.filter((x) => x.corruption === 0.1)) {
      expect(r.rel_error).toBeLessThan(1e-5);
      expect(['optimal', 'converged']).toContain(r.status); // highs proves optimality; admm certifies it
      expect(r.corrupted_count).toBeGreaterThan(0);
      expect(r.train_loss_final).toBeLessThan(r.train_loss_initial!);
    }
    for (const r of records.filter((x) => x.corruption === 0.85)) expect(r.rel_error).toBeGreaterThan(1e-2);
  });

  it.each(['hidden-w', 'hidden-b'])('recovers %s alone', async (layer) => {
    // b alone has m = p = 16 coordinates only: give it a wide layer.
    const yaml = layer === 'hidden-b' ? CELL(layer).replace('width: 16', 'width: 200') : CELL(layer);
    const records = await trials(yaml);
    expect(rate(records, 0.1)).toBe(1);
    expect(rate(records, 0.85)).toBe(0);
  });

  it('recovers the output layer from A_β', async () => {
    const records = await trials(CELL('output', 'training: { layers: output }').replace('width: 16', 'width: 150'));
    expect(records[0].params).toBe(150);
    expect(rate(records, 0.1)).toBe(1);
    expect(rate(records, 0.85)).toBe(0);
  });

  it('the Gaussian ablation behaves like the theory says', async () => {
    const records = await trials(CELL('hidden'), ['recovery.subspace=gaussian']);
    expect(records[0].train_loss_initial).toBeNull();
    expect(rate(records, 0.1)).toBe(1);
    expect(rate(records, 0.85)).toBe(0);
  });

  it('ReLU training leaves the subspace: the off-subspace residual and flipped patterns are recorded', async () => {
    const records = await trials(CELL('hidden', 'training: { mode: relu, steps: 300, lr: 2 }'));
    for (const r of records) {
      expect(r.flipped_share).toBeGreaterThan(0);
      expect(r.off_subspace).toBeGreaterThan(1e-4);
      // Recovery can be no better than the distance to the subspace.
      if (r.rel_error !== null) expect(r.rel_error).toBeGreaterThan(0.5 * r.off_subspace!);
    }
  });

  it('identical seeds give identical trials; another trial index gives another network', async () => {
    const strip = (rs: SyntheticTrialRecord[]) => rs.map(({ train_ms, solve_ms, finished_at, ...rest }) => rest);
    const a = await trials(CELL('hidden'));
    const b = await trials(CELL('hidden'));
    expect(strip(a)).toEqual(strip(b));
    expect(a[0].seed).not.toBe(a[1].seed);
    // Seeds depend on the trial's parameters, not on what else is in the run.
    const alone = await trials(CELL('hidden').replace('fraction: [0.1, 0.85]', 'fraction: [0.85]'));
    expect(strip(alone)).toEqual(strip(a.filter((r) => r.corruption === 0.85)).map((r) => ({ ...r, key: expect.any(String), cell: expect.any(String) })));
  });

  it('the solver is a grid axis: the same trials through several solvers, compared with the exact LP', async () => {
    const yaml = CELL('hidden').replace('model: { width: 16 }', 'model: { width: 16 }\n      solver: [highs, admm, l2]');
    const records = await trials(yaml);
    expect(records).toHaveLength(3 * 2 * 5);
    const rows = compareSolvers(records)!;
    expect(rows.map((r) => r.solver)).toEqual(['highs', 'admm', 'l2']);
    const [highs, admm, l2] = rows;
    expect(highs.agreement).toBe(1);
    expect(admm.agreement).toBe(1);
    expect(admm.paired).toBe(10);
    // l2 projection cannot remove sparse corruption: it fails where the LP succeeds.
    expect(l2.false_failures).toBe(5);
    expect(l2.agreement).toBe(0.5);
    // Same network and corruption whatever the solver: the exact solvers recover the same update.
    const byTrial = (solver: string) => records.filter((r) => r.solver === solver && r.corruption === 0.1).map((r) => r.seed);
    expect(byTrial('admm')).toEqual(byTrial('highs'));
  });

  it('a solver failure is recorded for its trials, not thrown', async () => {
    const records = await trials(CELL('hidden'), ['solver=highs', 'solver.timeLimitSeconds=0.000001']);
    expect(records.length).toBe(10);
    for (const r of records) {
      expect(r.status).toBe('failed');
      expect(r.success).toBe(false);
      expect(r.message).toMatch(/time limit/i);
    }
  });
});
