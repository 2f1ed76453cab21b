/** The paper's tables from results rows (the end-to-end build: paper.test.ts). */
import { describe, expect, it } from 'vitest';
import { backdoorTable, crossing, crossingTable, defencesTable, practicalTable, solverTable, toCsvText, type ExperimentResults } from '../src/paper/tables.ts';

describe('50 % crossing', () => {
  it('interpolates linearly between the grid points around 1/2', () => {
    expect(crossing([{ corruption: 0.2, rate: 1 }, { corruption: 0.1, rate: 1 }, { corruption: 0.3, rate: 0.25 }])).toEqual({ eps: 0.2 + 0.1 * (0.5 / 0.75), censored: '' });
  });
  it('says when the curve never crosses on the grid', () => {
    expect(crossing([{ corruption: 0, rate: 1 }, { corruption: 0.4, rate: 0.6 }])).toEqual({ eps: 0.4, censored: 'above' });
    expect(crossing([{ corruption: 0.1, rate: 0.2 }, { corruption: 0.4, rate: 0 }])).toEqual({ eps: 0.1, censored: 'below' });
  });
});

const synthetic = (sweep: string, width: number, points: [number, number][]) =>
  points.map(([corruption, success_rate]) => ({ sweep, layer: 'hidden', subspace: 'cnn', mode: 'linearized', solver: 'admm', width, samples: 40, params: 9 * width, steps: 200, lr: 0.1, corruption, success_rate, n_over_m: 40 / (9 * width), theory_corruption: 0.3 }));

describe('paper tables', () => {
  const results: ExperimentResults[] = [
    { name: 'syn', kind: 'synthetic', summary: [...synthetic('a', 10, [[0, 1], [0.2, 1], [0.4, 0]]), ...synthetic('a', 20, [[0, 1], [0.2, 0.5], [0.4, 0]])], solvers: [] },
    { name: 'cmp', kind: 'synthetic', summary: [], solvers: [{ solver: 'admm', trials: 10, agreement: 1 }, { solver: 'l2', trials: 10, agreement: 0.3 }] },
    { name: 'prac', kind: 'practical', summary: [{ sweep: 's', variant: 'project', corruption: 0.1, clean_acc: 90, contaminated_acc: 40, purified_acc: 90 }], solvers: [] },
    { name: 'bd', kind: 'backdoor', summary: [{ sweep: 's', poison_rate: 0.1, asr_before: 99, asr_after: 2 }], solvers: [] },
    { name: 'def', kind: 'backdoor-defences', summary: [{ sweep: 'd', attack: 'blended', defence: 'anp', labels_used: 'true', asr: 80 }, { sweep: 'd', attack: 'blended', defence: 'purify-project', labels_used: 'false', asr: 1 }], solvers: [] },
  ];

  it('one crossing row per synthetic curve, with theory and offset', () => {
    const table = crossingTable(results);
    expect(table.rows.map((r) => [r.experiment, r.width, r.measured_crossing, r.theory_crossing, r.offset])).toEqual([
      ['syn', 10, 0.3, 0.3, 0],
      ['syn', 20, 0.2, 0.3, -0.1],
    ]);
    expect(toCsvText(table).split('\n')[0]).toBe(table.columns.join(','));
  });

  it('practical, backdoor and solver tables take their rows from the matching kinds only', () => {
    expect(practicalTable(results).rows).toEqual([expect.objectContaining({ experiment: 'prac', clean_acc: 90, purified_acc: 90, dataset: null })]);
    expect(backdoorTable(results).rows).toEqual([expect.objectContaining({ experiment: 'bd', asr_before: 99, asr_after: 2 })]);
    expect(defencesTable(results).rows.map((r) => [r.experiment, r.defence, r.labels_used, r.asr])).toEqual([['def', 'anp', 'true', 80], ['def', 'purify-project', 'false', 1]]);
    expect(solverTable(results).rows.map((r) => [r.experiment, r.solver, r.agreement])).toEqual([['cmp', 'admm', 1], ['cmp', 'l2', 0.3]]);
  });
});
