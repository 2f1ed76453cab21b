// Donoho–Tanner style phase diagram: empirical recovery success over a (corruption fraction × size)
// grid as a grey-scale heatmap (black = always fails, white = always recovers), with the l1 theory
// boundary drawn in red on the same quantitative axes.
import type { TopLevelSpec } from 'vega-lite';
import { PANEL, THEORY_COLOR, titleBlock } from './style.ts';

export interface PhaseCell {
  x: number;
  y: number;
  successRate: number;
  trials: number;
}

export interface PhaseDiagramInput {
  title: string;
  /** One line, or several (an array is drawn one entry per line). */
  subtitle?: string | string[];
  /** e.g. 'corruption fraction ε' */
  xTitle: string;
  /** e.g. 'width p', 'samples n', 'n/m' */
  yTitle: string;
  /** 'log' for widths / sample sizes that grow geometrically. */
  yScale?: 'linear' | 'log';
  /** Grid of distinct x values × distinct y values; spacing may be uneven, cells may be missing. */
  cells: PhaseCell[];
  /** Theory boundary ε*(y) as dense points (x = critical fraction); joined in order of y. */
  theory?: { x: number; y: number }[];
  theoryLabel?: string;
}

export type AxisScale = 'linear' | 'log';

/** One grid value and the extent of its cell along that axis. */
export interface CellEdge {
  value: number;
  lo: number;
  hi: number;
}

const DEFAULT_THEORY_LABEL = 'l1 theory ε*(n/m)';
const HOLE_COLOR = '#c6dbef';
const HOLE_LABEL = 'not run';
/** Above this many grid values, label the axis with automatic ticks rather than every value. */
const MAX_LABELLED_VALUES = 16;

/**
 * Cell extents along one axis: each cell spans to the midpoints with its neighbours (geometric
 * midpoints on a log axis, so cells look equally wide there) and half a step beyond the two ends.
 * A lone value gets a cell of ±50% (linear; ±0.5 around 0) or a factor √2 either side (log).
 */
export function cellEdges(values: readonly number[], scale: AxisScale = 'linear'): CellEdge[] {
  const sorted = [...new Set(values)].sort((a, b) => a - b);
  if (sorted.length === 0) return [];
  if (sorted.some((v) => !Number.isFinite(v))) throw new Error('cellEdges: grid values must be finite');
  if (scale === 'log' && sorted[0] <= 0) throw new Error(`cellEdges: log axis needs positive values, got ${sorted[0]}`);
  if (sorted.length === 1) return [singleCell(sorted[0], scale)];
  const mid = scale === 'log' ? (a: number, b: number) => Math.sqrt(a * b) : (a: number, b: number) => (a + b) / 2;
  // Reflect the first / last midpoint through the end value: half a (linear or geometric) step beyond.
  const reflect = scale === 'log' ? (v: number, m: number) => (v * v) / m : (v: number, m: number) => 2 * v - m;
  const mids = sorted.slice(1).map((v, i) => mid(sorted[i], v));
  const last = sorted.length - 1;
  return sorted.map((value, i) => ({
    value,
    lo: i === 0 ? reflect(value, mids[0]) : mids[i - 1],
    hi: i === last ? reflect(value, mids[last - 1]) : mids[i],
  }));
}

function singleCell(value: number, scale: AxisScale): CellEdge {
  if (scale === 'log') return { value, lo: value / Math.SQRT2, hi: value * Math.SQRT2 };
  const half = value === 0 ? 0.5 : Math.abs(value) / 2;
  return { value, lo: value - half, hi: value + half };
}

interface CellRow extends PhaseCell {
  strokeRate: number;
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

export function phaseDiagramSpec(input: PhaseDiagramInput): TopLevelSpec {
  validateCells(input.cells);
  const yScale = input.yScale ?? 'linear';
  const xEdges = cellEdges(input.cells.map((c) => c.x), 'linear');
  const yEdges = cellEdges(input.cells.map((c) => c.y), yScale);
  if (xEdges.length === 0) throw new Error('phaseDiagramSpec: no cells');
  const xDomain = [xEdges[0].lo, xEdges[xEdges.length - 1].hi];
  const yDomain = [yEdges[0].lo, yEdges[yEdges.length - 1].hi];
  // Every layer repeats the same scale and axis so vega-lite merges them into one pair of axes.
  const x = {
    type: 'quantitative' as const,
    scale: { domain: xDomain, nice: false, zero: false },
    // zindex 1: axes over the cells, else full-bleed cells hide the domain line.
    axis: { title: input.xTitle, grid: false, zindex: 1, ...tickValues(xEdges) },
  };
  const y = {
    type: 'quantitative' as const,
    // vega-lite warns that 'zero' means nothing on a log scale, so only set it on a linear one.
    scale: { type: yScale, domain: yDomain, nice: false, ...(yScale === 'linear' ? { zero: false } : {}) },
    axis: { title: input.yTitle, grid: false, zindex: 1, ...tickValues(yEdges) },
  };
  const rows = cellRows(input.cells, xEdges, yEdges);
  const holes = holeRows(rows, xEdges, yEdges);
  const layers: object[] = [cellLayer(rows, input, x, y)];
  if (holes.length > 0) layers.push(holeLayer(holes, input, x, y));
  layers.push(frameLayer(xDomain, yDomain, x, y));
  // Drop points where the theory is undefined (NaN) or off a log axis, rather than failing the figure.
  const theory = (input.theory ?? []).filter(
    (p) => Number.isFinite(p.x) && Number.isFinite(p.y) && (yScale === 'linear' || p.y > 0),
  );
  if (theory.length > 0) layers.push(theoryLayer(theory, input.theoryLabel ?? DEFAULT_THEORY_LABEL, x, y));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: titleBlock(input.title, input.subtitle),
    width: PANEL.width,
    height: PANEL.height,
    layer: layers,
    // The heatmap's quantitative grey scale and the categorical hole / theory keys need separate legends.
    resolve: { scale: { fill: 'independent', stroke: 'independent' } },
  } as TopLevelSpec;
}

function validateCells(cells: readonly PhaseCell[]): void {
  const seen = new Set<string>();
  for (const c of cells) {
    if (!(c.successRate >= 0 && c.successRate <= 1)) {
      throw new Error(`phaseDiagramSpec: successRate ${c.successRate} at (${c.x}, ${c.y}) is outside [0, 1]`);
    }
    const key = `${c.x},${c.y}`;
    if (seen.has(key)) throw new Error(`phaseDiagramSpec: duplicate cell at (${c.x}, ${c.y})`);
    seen.add(key);
  }
}

/** Label every grid value when there are few of them: the reader then sees exactly what was run. */
function tickValues(edges: readonly CellEdge[]): { values?: number[]; format?: string } {
  if (edges.length > MAX_LABELLED_VALUES) return {};
  return { values: edges.map((e) => e.value), format: '.3~g' };
}

function edgeOf(edges: readonly CellEdge[], value: number): CellEdge {
  const edge = edges.find((e) => e.value === value);
  if (!edge) throw new Error(`phaseDiagramSpec: internal error, no edge for ${value}`);
  return edge;
}

function cellRows(cells: readonly PhaseCell[], xEdges: CellEdge[], yEdges: CellEdge[]): CellRow[] {
  return cells.map((c) => {
    const ex = edgeOf(xEdges, c.x);
    const ey = edgeOf(yEdges, c.y);
    return { ...c, strokeRate: c.successRate, x0: ex.lo, x1: ex.hi, y0: ey.lo, y1: ey.hi };
  });
}

// Missing grid points get their own colour: left as background they would read as a success (white).
function holeRows(rows: readonly CellRow[], xEdges: CellEdge[], yEdges: CellEdge[]) {
  const present = new Set(rows.map((r) => `${r.x},${r.y}`));
  const holes: { status: string; x: number; y: number; x0: number; x1: number; y0: number; y1: number }[] = [];
  for (const ex of xEdges) {
    for (const ey of yEdges) {
      if (!present.has(`${ex.value},${ey.value}`)) {
        holes.push({ status: HOLE_LABEL, x: ex.value, y: ey.value, x0: ex.lo, x1: ex.hi, y0: ey.lo, y1: ey.hi });
      }
    }
  }
  return holes;
}

function cellLayer(rows: CellRow[], input: PhaseDiagramInput, x: object, y: object): object {
  const grey = { type: 'quantitative', scale: { domain: [0, 1], range: ['black', 'white'], interpolate: 'rgb' } };
  return {
    data: { values: rows },
    mark: { type: 'rect', strokeWidth: 0.6 },
    encoding: {
      x: { field: 'x0', ...x },
      x2: { field: 'x1' },
      y: { field: 'y0', ...y },
      y2: { field: 'y1' },
      fill: { field: 'successRate', ...grey, legend: { title: 'success rate', format: '.1f', gradientLength: 160 } },
      // A hairline outline in the cell's own grey hides anti-aliasing seams between neighbouring cells.
      // It reads a copy of the rate: vega-lite would otherwise merge the fill and stroke legends.
      stroke: { field: 'strokeRate', ...grey, legend: null },
      tooltip: [
        { field: 'x', type: 'quantitative', title: input.xTitle, format: '~g' },
        { field: 'y', type: 'quantitative', title: input.yTitle, format: '~g' },
        { field: 'successRate', type: 'quantitative', title: 'success rate', format: '.2f' },
        { field: 'trials', type: 'quantitative', title: 'trials' },
      ],
    },
  };
}

function holeLayer(holes: object[], input: PhaseDiagramInput, x: object, y: object): object {
  return {
    data: { values: holes },
    mark: { type: 'rect', fill: HOLE_COLOR },
    encoding: {
      x: { field: 'x0', ...x },
      x2: { field: 'x1' },
      y: { field: 'y0', ...y },
      y2: { field: 'y1' },
      // A constant categorical channel, only there to put 'not run' in a legend.
      fill: { datum: HOLE_LABEL, type: 'nominal', scale: { range: [HOLE_COLOR] }, legend: { title: null } },
      tooltip: [
        { field: 'x', type: 'quantitative', title: input.xTitle, format: '~g' },
        { field: 'y', type: 'quantitative', title: input.yTitle, format: '~g' },
        { field: 'status', type: 'nominal', title: 'status' },
      ],
    },
  };
}

// The view's own border sits under the cells; a frame on top keeps white cells from merging into the page.
function frameLayer(xDomain: number[], yDomain: number[], x: object, y: object): object {
  return {
    data: { values: [{ x0: xDomain[0], x1: xDomain[1], y0: yDomain[0], y1: yDomain[1] }] },
    mark: { type: 'rect', fill: null, stroke: '#666', strokeWidth: 1 },
    encoding: { x: { field: 'x0', ...x }, x2: { field: 'x1' }, y: { field: 'y0', ...y }, y2: { field: 'y1' } },
  };
}

function theoryLayer(points: { x: number; y: number }[], label: string, x: object, y: object): object {
  const rows = [...points].sort((a, b) => a.y - b.y).map((p, order) => ({ ...p, order, label }));
  return {
    data: { values: rows },
    mark: { type: 'line', strokeWidth: 2.5, clip: true },
    encoding: {
      x: { field: 'x', ...x },
      y: { field: 'y', ...y },
      // Join along y: the boundary is a function ε*(y), not of x.
      order: { field: 'order', type: 'quantitative' },
      stroke: {
        field: 'label',
        type: 'nominal',
        scale: { range: [THEORY_COLOR] },
        legend: { title: null, symbolType: 'stroke', symbolStrokeWidth: 2.5 },
      },
    },
  };
}
