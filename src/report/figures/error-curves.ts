// Median relative recovery error (log scale) against corruption fraction, one line per series (e.g. number
// of training steps). Dashed lines of the same colour mark each series' distance from the clean update to
// the subspace: l1 recovery cannot do better than that floor, and below the phase transition it reaches it.
import type { TopLevelSpec } from 'vega-lite';
import { SERIES_PALETTE, THEORY_COLOR, distinctInOrder, extent, kindFilter, panelled } from './style.ts';

export interface ErrorPoint {
  series: string;
  /** corruption fraction */
  x: number;
  /** median relative error (> 0) */
  error: number;
}

export interface ErrorCurvesInput {
  title: string;
  subtitle?: string | string[];
  seriesTitle: string;
  points: ErrorPoint[];
  /** Per series, the relative distance of the clean update from the subspace. */
  floors?: { series: string; y: number }[];
  /** Success tolerance, drawn as a red dashed rule. */
  tolerance?: number;
  /** Critical fraction of the l1 theory, drawn as a red vertical rule when all series share it. */
  theory?: number;
}

/** Errors below this are drawn at it: exact recoveries in float64 can be 0. */
const FLOOR = 1e-9;

export function errorCurvesSpec(input: ErrorCurvesInput): TopLevelSpec {
  const series = distinctInOrder(input.points.map((p) => p.series));
  const points = input.points.filter((p) => Number.isFinite(p.error)).map((p) => ({ kind: 'obs', ...p, error: Math.max(FLOOR, p.error) }));
  if (points.length === 0) throw new Error('errorCurvesSpec: no finite errors');
  const floors = (input.floors ?? []).filter((f) => Number.isFinite(f.y) && f.y > 0).map((f) => ({ kind: 'floor', series: f.series, error: Math.max(FLOOR, f.y) }));
  const xDomain = extent(points.map((p) => p.x));
  const x = { field: 'x', type: 'quantitative', title: 'corruption fraction ε', scale: { domain: xDomain, nice: false, zero: false, padding: 0 } };
  const y = { field: 'error', type: 'quantitative', title: 'median relative error ||θ^ − θ_T|| / ||θ_T − θ0||', scale: { type: 'log' }, axis: { format: '.0e' } };
  const color = { field: 'series', type: 'nominal', title: input.seriesTitle, sort: series, scale: { domain: series, range: SERIES_PALETTE } };
  const references = [
    ...(input.tolerance !== undefined ? [{ kind: 'tol', error: input.tolerance, label: `success tolerance ${input.tolerance}` }] : []),
    ...(input.theory !== undefined && Number.isFinite(input.theory) ? [{ kind: 'theory', x: input.theory, label: 'l1 theory ε*' }] : []),
  ];
  const layers: object[] = [
    { transform: [kindFilter('obs')], mark: { type: 'line', point: { size: 30 }, strokeWidth: 2 }, encoding: { x, y, color } },
  ];
  if (floors.length > 0) {
    layers.push({ transform: [kindFilter('floor')], mark: { type: 'rule', strokeDash: [6, 4], strokeWidth: 1.5 }, encoding: { y, color } });
  }
  if (input.tolerance !== undefined) {
    layers.push({ transform: [kindFilter('tol')], mark: { type: 'rule', color: THEORY_COLOR, strokeDash: [2, 3], strokeWidth: 1.5 }, encoding: { y } });
  }
  if (references.some((r) => r.kind === 'theory')) {
    layers.push({ transform: [kindFilter('theory')], mark: { type: 'rule', color: THEORY_COLOR, strokeWidth: 2 }, encoding: { x } });
  }
  return panelled({ title: input.title, subtitle: input.subtitle, rows: [...points, ...floors, ...references], layers });
}
