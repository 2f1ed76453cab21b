/** The solver comparison figure keeps every solver visible, and panels leave room for their headers. */
import { describe, expect, it } from 'vitest';
import { solverSummarySpec } from '../src/report/figures/solver-summary.ts';
import { successCurvesSpec } from '../src/report/figures/success-curves.ts';
import { specToSvg } from '../src/report/render.ts';

describe('solver figures', () => {
  it('one bar per solver for agreement (the reference labelled as such) and one for time, on a log axis from below the fastest', async () => {
    const spec = solverSummarySpec({
      title: 'Solvers',
      reference: 'highs',
      solvers: [
        { solver: 'highs', agreement: null, ms: 900 },
        { solver: 'admm', agreement: 100, ms: 150 },
        { solver: 'none', agreement: 50, ms: 0.004 },
      ],
    });
    const svg = await specToSvg(spec, 'solvers');
    for (const label of ['highs', 'admm', 'none', 'reference', '100.0%', '50.0%']) expect(svg).toContain(`>${label}<`);
    // Three agreement bars would hide the reference's empty one; two are drawn, plus three time bars.
    expect(svg.match(/aria-roledescription="bar"/g)?.length).toBe(5);
    expect(JSON.stringify(spec)).toContain('"domainMin":0.001');
  });

  it('panels are spaced so a header clears the axis of the panel above, and an empty slot draws no axis', () => {
    const spec = successCurvesSpec({
      title: 't',
      points: ['a', 'b', 'c', 'd'].flatMap((panel) => [0, 0.5].map((x) => ({ series: 's', panel, x, rate: 1 - x }))),
    }) as { spacing?: { row: number }; resolve?: object };
    expect(spec.spacing?.row).toBeGreaterThanOrEqual(60);
    // Own x axis per panel: an empty slot of the last row (4 panels in 3 columns) then draws none.
    expect(spec.resolve).toEqual({ axis: { x: 'independent' } });
  });
});
