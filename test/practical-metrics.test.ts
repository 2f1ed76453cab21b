import { describe, expect, it } from 'vitest';
import { measuredBoundary } from '../src/kinds/practical/figures.ts';
import type { PracticalSummaryRow } from '../src/kinds/practical/summary.ts';
import { accuracy, attackSuccessRate, detection } from '../src/networks/metrics.ts';
import { purifyLayer } from '../src/networks/purify.ts';
import type { SolveResult } from '../src/solvers/types.ts';

describe('accuracy and attack success rate', () => {
  it('accuracy is the share of correct predictions, in percent', () => {
    expect(accuracy([1, 2, 3, 4], [1, 2, 0, 4])).toBe(75);
    expect(accuracy(Int32Array.of(0), Uint8Array.of(0))).toBe(100);
    expect(() => accuracy([1], [1, 2])).toThrow(/1 predictions for 2 labels/);
    expect(() => accuracy([], [])).toThrow(/empty/);
  });

  it('ASR counts triggered non-target images classified as the target, ignoring target-class images', () => {
    // true labels: two of class 0 (the target) are left out whatever they are predicted as
    const truth = [0, 0, 1, 2, 3, 4];
    const predicted = [0, 5, 0, 0, 3, 0];
    expect(attackSuccessRate(predicted, truth, 0)).toBe(75); // 3 of the 4 non-target images
    expect(attackSuccessRate([1, 1], [1, 2], 0)).toBe(0);
    expect(() => attackSuccessRate([0, 0], [0, 0], 0)).toThrow(/no test image outside/);
  });
});

describe('corruption detection', () => {
  it('precision and recall of the flagged coordinates', () => {
    const flagged = Uint8Array.of(1, 1, 0, 0, 1, 0);
    const corrupted = [0, 2, 4];
    expect(detection(flagged, corrupted)).toEqual({ flagged: 3, precision: 2 / 3, recall: 2 / 3 });
    expect(detection(new Uint8Array(3), [])).toEqual({ flagged: 0, precision: null, recall: null });
    expect(detection(Uint8Array.of(0, 1), [])).toEqual({ flagged: 1, precision: 0, recall: null });
  });
});

const result = (delta: number[], status: SolveResult['status'] = 'optimal'): SolveResult => ({ delta: Float64Array.from(delta), status, solveMs: 1 });

describe('purification variants', () => {
  // Two rows of m = 3: clean update [1, 1, 1 | 2, 2, 2]; coordinates 1 and 3 corrupted (+10, −10).
  const b = Float64Array.of(1, 11, 1, -8, 2, 2);
  const recovered = [result([1, 1, 1]), result([2, 2, 2])];

  it('project replaces every coordinate; detect-replace only the flagged ones', () => {
    const project = purifyLayer(b, recovered, { variant: 'project', threshold: 1 });
    expect(Array.from(project.update)).toEqual([1, 1, 1, 2, 2, 2]);
    expect(Array.from(project.flagged)).toEqual([0, 1, 0, 1, 0, 0]);
    const slightly = Float64Array.of(1.1, 11, 1, -8, 2, 2); // a small corruption below the threshold stays
    const dr = purifyLayer(slightly, recovered, { variant: 'detect-replace', threshold: 1 });
    expect(Array.from(dr.update)).toEqual([1.1, 1, 1, 2, 2, 2]);
    expect(dr.status).toBe('optimal');
    expect(dr.solveMs).toBe(2);
  });

  it('a failed row keeps the layer as it is and reports the failure', () => {
    const out = purifyLayer(b, [result([1, 1, 1]), { ...result([NaN, NaN, NaN], 'failed'), message: 'broke' }], { variant: 'project', threshold: 1 });
    expect(Array.from(out.update)).toEqual(Array.from(b));
    expect(out.status).toBe('failed');
    expect(out.message).toBe('broke');
  });
});

describe('measured boundary', () => {
  const row = (nOverM: number, corruption: number, success: number) => ({ n_over_m: nOverM, corruption, success_rate: success }) as PracticalSummaryRow;
  it('interpolates where the success rate falls through 1/2, per n/m', () => {
    const rows = [row(0.1, 0, 1), row(0.1, 0.2, 1), row(0.1, 0.3, 0), row(0.2, 0, 1), row(0.2, 0.1, 0.75), row(0.2, 0.2, 0.25), row(0.4, 0, 0)];
    expect(measuredBoundary(rows, (r) => r.success_rate)).toEqual([
      { nOverM: 0.1, eps: 0.25 },
      { nOverM: 0.2, eps: 0.15000000000000002 },
      { nOverM: 0.4, eps: 0 },
    ]);
  });
});
