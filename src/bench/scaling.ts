/**
 * How a solver's time grows with the problem: t ≈ C · m^α · n^β, fitted by least squares on log t over the
 * bench's shapes, and drawn as a log–log figure (time per problem against m, one panel per n, a line per
 * solver whose legend carries its fitted exponents).
 */
import type { TopLevelSpec } from 'vega-lite';

export interface ScalingPoint {
  readonly solver: string;
  readonly m: number;
  readonly n: number;
  readonly ms: number;
}

export interface PowerLaw {
  /** t ≈ constant · m^exponentM · n^exponentN (t in ms). */
  readonly exponentM: number;
  readonly exponentN: number;
  readonly constant: number;
  readonly points: number;
}

/** Least squares of log t = log C + α log m + β log n; needs three shapes that are not on one line. */
export function fitPowerLaw(points: readonly Omit<ScalingPoint, 'solver'>[]): PowerLaw | undefined {
  const rows = points.filter((p) => p.ms > 0 && p.m > 0 && p.n > 0).map((p) => [1, Math.log(p.m), Math.log(p.n), Math.log(p.ms)]);
  if (rows.length < 3) return undefined;
  // Normal equations XᵀX β = Xᵀy, 3 × 3, solved by Cramer's rule (the design is tiny and well scaled in logs).
  const xtx = [0, 1, 2].map((i) => [0, 1, 2].map((j) => rows.reduce((s, r) => s + r[i] * r[j], 0)));
  const xty = [0, 1, 2].map((i) => rows.reduce((s, r) => s + r[i] * r[3], 0));
  const d = det3(xtx);
  if (Math.abs(d) < 1e-9) return undefined;
  const solve = (k: number) => det3(xtx.map((row, i) => row.map((v, j) => (j === k ? xty[i] : v)))) / d;
  return { constant: Math.exp(solve(0)), exponentM: solve(1), exponentN: solve(2), points: rows.length };
}

function det3(a: readonly (readonly number[])[]): number {
  return a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1]) - a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0]) + a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0]);
}

/** "admm  t ∝ m^0.93 · n^1.71" */
export function describeFit(solver: string, fit: PowerLaw | undefined): string {
  return fit ? `${solver}  t ∝ m^${fit.exponentM.toFixed(2)} · n^${fit.exponentN.toFixed(2)}` : `${solver}  (too few shapes to fit)`;
}

/** Log–log figure: ms per problem against m, a panel per n, a line per solver labelled with its exponents. */
export function scalingSpec(points: readonly ScalingPoint[], title: string): TopLevelSpec {
  const bySolver = new Map<string, ScalingPoint[]>();
  for (const p of points) bySolver.set(p.solver, [...(bySolver.get(p.solver) ?? []), p]);
  const label = new Map([...bySolver].map(([solver, ps]) => [solver, describeFit(solver, fitPowerLaw(ps))]));
  const values = points.map((p) => ({ ...p, fit: label.get(p.solver) }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    data: { values },
    facet: { column: { field: 'n', type: 'ordinal', title: 'n (columns of A)' } },
    spec: {
      width: 180,
      height: 180,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'm', type: 'quantitative', scale: { type: 'log' }, title: 'm (rows of A)' },
        y: { field: 'ms', type: 'quantitative', scale: { type: 'log' }, title: 'ms per problem' },
        color: { field: 'fit', type: 'nominal', title: 'solver and fitted growth' },
      },
    },
  };
}
