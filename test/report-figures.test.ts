import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accuracyCurvesSpec } from '../src/report/figures/accuracy-curves.ts';
import { barsSpec } from '../src/report/figures/bars.ts';
import { binValues, errorHistogramSpec, log10Errors } from '../src/report/figures/histogram.ts';
import { cellEdges, phaseDiagramSpec, type PhaseCell } from '../src/report/figures/phase-diagram.ts';
import { successCurvesSpec } from '../src/report/figures/success-curves.ts';
import { renderFigure, specToSvg } from '../src/report/render.ts';

function expectEdges(actual: { value: number; lo: number; hi: number }[], expected: [number, number, number][]) {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((edge, i) => {
    expect(edge.value).toBe(expected[i][0]);
    expect(edge.lo).toBeCloseTo(expected[i][1], 12);
    expect(edge.hi).toBeCloseTo(expected[i][2], 12);
  });
}

describe('cellEdges', () => {
  it('linear: midpoints between neighbours, half a step beyond the ends, uneven spacing', () => {
    expectEdges(cellEdges([0.3, 0, 0.1, 0.1], 'linear'), [
      [0, -0.05, 0.05],
      [0.1, 0.05, 0.2],
      [0.3, 0.2, 0.4],
    ]);
  });

  it('log: geometric midpoints and half a geometric step beyond the ends', () => {
    expectEdges(cellEdges([16, 64, 256, 1024], 'log'), [
      [16, 8, 32],
      [64, 32, 128],
      [256, 128, 512],
      [1024, 512, 2048],
    ]);
    // Uneven: 10 → 1000 skips a decade, so the middle cell is lopsided in value but not in log space.
    expectEdges(cellEdges([10, 100, 10000], 'log'), [
      [10, Math.sqrt(10), Math.sqrt(1000)],
      [100, Math.sqrt(1000), 1000],
      [10000, 1000, 100000],
    ]);
  });

  it('single value: ±50% (±0.5 at zero) on a linear axis, ×/÷ √2 on a log axis', () => {
    expectEdges(cellEdges([0.2]), [[0.2, 0.1, 0.3]]);
    expectEdges(cellEdges([0]), [[0, -0.5, 0.5]]);
    expectEdges(cellEdges([100], 'log'), [[100, 100 / Math.SQRT2, 100 * Math.SQRT2]]);
    expect(cellEdges([])).toEqual([]);
  });

  it('rejects non-positive values on a log axis', () => {
    expect(() => cellEdges([0, 1, 2], 'log')).toThrow(/positive/);
  });
});

/** A 3 × 3 grid on a log y axis with the (0.2, 64) cell missing. */
function holeyGrid(): PhaseCell[] {
  const cells: PhaseCell[] = [];
  for (const x of [0.1, 0.2, 0.4]) {
    for (const y of [16, 64, 256]) {
      if (x === 0.2 && y === 64) continue;
      cells.push({ x, y, successRate: x < 0.3 ? 1 : 0, trials: 10 });
    }
  }
  return cells;
}

type Layer = { data: { values: Record<string, unknown>[] }; mark: { type: string } };

describe('phaseDiagramSpec', () => {
  it('gives every cell the edges of its grid values, and draws the hole as a separate layer', () => {
    const spec = phaseDiagramSpec({ title: 't', xTitle: 'ε', yTitle: 'p', yScale: 'log', cells: holeyGrid() });
    const layers = (spec as unknown as { layer: Layer[] }).layer;
    const cells = layers[0].data.values;
    expect(cells).toHaveLength(8);
    const cell = cells.find((c) => c.x === 0.2 && c.y === 256)!;
    expect(cell.x0).toBeCloseTo(0.15, 12);
    expect(cell.x1).toBeCloseTo(0.3, 12);
    expect(cell.y0).toBeCloseTo(128, 9);
    expect(cell.y1).toBeCloseTo(512, 9);
    const holes = layers[1].data.values;
    expect(holes).toHaveLength(1);
    expect(holes[0]).toMatchObject({ x: 0.2, y: 64, status: 'not run' });
    expect(holes[0].y0).toBeCloseTo(32, 9);
  });

  it('rejects success rates outside [0, 1] and duplicate cells', () => {
    const base = { title: 't', xTitle: 'x', yTitle: 'y' };
    expect(() => phaseDiagramSpec({ ...base, cells: [{ x: 0, y: 1, successRate: 1.5, trials: 1 }] })).toThrow(/outside/);
    const dup = { x: 0, y: 1, successRate: 1, trials: 1 };
    expect(() => phaseDiagramSpec({ ...base, cells: [dup, { ...dup }] })).toThrow(/duplicate/);
  });

  it('renders black for failure, white for success, and the theory line through cell centres', async () => {
    const cells: PhaseCell[] = [
      { x: 0.1, y: 16, successRate: 1, trials: 10 },
      { x: 0.2, y: 16, successRate: 0, trials: 10 },
      { x: 0.1, y: 64, successRate: 0.5, trials: 10 },
      { x: 0.2, y: 64, successRate: 0, trials: 10 },
    ];
    const theory = [
      { x: 0.2, y: 64 },
      { x: 0.1, y: 16 },
    ];
    const spec = phaseDiagramSpec({ title: 't', xTitle: 'eps', yTitle: 'p', yScale: 'log', cells, theory });
    const svg = await specToSvg(spec);
    const rects = [...svg.matchAll(/aria-label="([^"]*)"[^>]*aria-roledescription="rect mark" d="M([-\d.]+),([-\d.]+)h([-\d.]+)v([-\d.]+)h[-\d.]+Z" fill="([^"]*)"/g)];
    const rectOf = (x: number, y: number) => {
      const match = rects.find((r) => r[1].includes(`eps: ${x};`) && r[1].includes(`p: ${y};`));
      if (!match) throw new Error(`no rect for (${x}, ${y})`);
      const [left, top, w, h] = match.slice(2, 6).map(Number);
      return { fill: match[6], cx: left + w / 2, cy: top + h / 2 };
    };
    expect(rectOf(0.1, 16).fill).toBe('rgb(255, 255, 255)');
    expect(rectOf(0.2, 16).fill).toBe('rgb(0, 0, 0)');
    expect(rectOf(0.1, 64).fill).toBe('rgb(128, 128, 128)');
    // Sorted by y, the line starts at (0.1, 16) and ends at (0.2, 64): both must be cell centres.
    const line = svg.match(/aria-roledescription="line mark" d="M([-\d.]+),([-\d.]+)L([-\d.]+),([-\d.]+)"/);
    expect(line).not.toBeNull();
    const [x1, y1, x2, y2] = line!.slice(1, 5).map(Number);
    expect(x1).toBeCloseTo(rectOf(0.1, 16).cx, 1);
    expect(y1).toBeCloseTo(rectOf(0.1, 16).cy, 1);
    expect(x2).toBeCloseTo(rectOf(0.2, 64).cx, 1);
    expect(y2).toBeCloseTo(rectOf(0.2, 64).cy, 1);
  });
});

describe('histogram helpers', () => {
  it('maps zeros to the floor and rejects negative errors', () => {
    expect(log10Errors([0, 1e-3, 1])).toEqual([-16, -3, 0]);
    expect(log10Errors([0], 1e-20)).toEqual([-20]);
    expect(() => log10Errors([-1e-3])).toThrow(/>= 0/);
  });

  it('bins on multiples of the width, last edge inclusive', () => {
    const bins = binValues([-16, -15.9, -13.2, -1, 0], 1);
    expect(bins).toHaveLength(16);
    expect(bins[0]).toEqual({ lo: -16, hi: -15, count: 2 });
    expect(bins[2]).toEqual({ lo: -14, hi: -13, count: 1 });
    expect(bins[15]).toEqual({ lo: -1, hi: 0, count: 2 });
    expect(bins.reduce((s, b) => s + b.count, 0)).toBe(5);
    expect(binValues([-3, -3], 0.5)).toEqual([{ lo: -3, hi: -2.5, count: 2 }]);
  });
});

function exampleSpecs(): Record<string, TopLevelSpec> {
  const points = [0, 0.1, 0.2, 0.3].flatMap((x) =>
    ['l1', 'l2'].flatMap((series) =>
      ['p = 32', 'p = 128'].map((panel) => ({ series, panel, x, rate: x < 0.2 ? 1 : 0, trials: 5 })),
    ),
  );
  const accuracy = [0, 0.1, 0.2].flatMap((x) =>
    ['contaminated', 'purified: project'].map((variant) => ({ variant, x, accuracy: 90 - 100 * x })),
  );
  return {
    phaseLinear: phaseDiagramSpec({
      title: 'Phase diagram',
      xTitle: 'corruption fraction ε',
      yTitle: 'n/m',
      cells: holeyGrid().map((c) => ({ ...c, y: c.y / 16 })),
      theory: [
        { x: 0.1, y: 0.5 },
        { x: 0.3, y: 20 },
      ],
    }),
    phaseLog: phaseDiagramSpec({
      title: 'Phase',
      subtitle: ['two-line', 'subtitle'],
      xTitle: 'ε',
      yTitle: 'p',
      yScale: 'log',
      cells: holeyGrid(),
    }),
    successPanels: successCurvesSpec({
      title: 'Success',
      panelTitle: 'width',
      points,
      theory: [{ x: 0.15 }, { panel: 'p = 128', x: 0.25 }],
    }),
    successSingle: successCurvesSpec({
      title: 'Success',
      points: points.map(({ panel: _panel, ...p }) => p).filter((p, i) => i % 2 === 0),
      theory: [{ x: 0.15 }],
    }),
    accuracy: accuracyCurvesSpec({ title: 'Accuracy', points: accuracy, clean: 91 }),
    accuracyPanels: accuracyCurvesSpec({
      title: 'Accuracy',
      points: accuracy.flatMap((p) => [
        { ...p, panel: 'MNIST' },
        { ...p, panel: 'CIFAR-10' },
      ]),
      clean: [
        { panel: 'MNIST', accuracy: 98 },
        { panel: 'CIFAR-10', accuracy: 85 },
      ],
    }),
    bars: barsSpec({
      title: 'Backdoor',
      bars: [
        { category: 'before', metric: 'clean accuracy', value: 90 },
        { category: 'before', metric: 'attack success rate', value: 99 },
        { category: 'after', metric: 'clean accuracy', value: 88 },
        { category: 'after', metric: 'attack success rate', value: 3 },
      ],
    }),
    histogram: errorHistogramSpec({ title: 'Errors', values: [0, 1e-14, 3e-13, 0.2, 0.5], tolerance: 1e-6 }),
  };
}

describe('figure builders', () => {
  // specToSvg turns every vega-lite / vega warning into an error, so this also catches dropped channels.
  it.each(Object.entries(exampleSpecs()))('%s compiles and renders without warnings', async (_name, spec) => {
    const svg = await specToSvg(spec);
    expect(svg).toContain('<svg');
  });

  it('expands a panel-less theory rule to every panel', () => {
    const spec = exampleSpecs().successPanels as unknown as { data: { values: { kind: string; panel?: string }[] } };
    const theory = spec.data.values.filter((r) => r.kind === 'theory').map((r) => r.panel);
    expect(theory.sort()).toEqual(['p = 128', 'p = 128', 'p = 32']);
  });
});

describe('renderFigure', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'report-figures-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the spec, an SVG with the title, and a 2x PNG into a new directory', async () => {
    const out = join(dir, 'nested', 'figs');
    const spec = exampleSpecs().bars;
    const paths = await renderFigure(spec, out, 'backdoor-bars');
    expect(paths).toEqual({
      spec: join(out, 'backdoor-bars.vl.json'),
      svg: join(out, 'backdoor-bars.svg'),
      png: join(out, 'backdoor-bars.png'),
    });
    const written = JSON.parse(await readFile(paths.spec, 'utf8'));
    expect(written.config.font).toBe('DejaVu Sans');
    expect(written.layer).toEqual((spec as { layer: unknown }).layer);

    const svg = await readFile(paths.svg, 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('>Backdoor</text>');
    expect(svg).toContain('font-family="DejaVu Sans"');

    const png = await readFile(paths.png);
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(png.subarray(12, 16).toString('ascii')).toBe('IHDR');
    const width = png.readUInt32BE(16);
    const height = png.readUInt32BE(20);
    const svgWidth = Number(svg.match(/^<svg[^>]*\swidth="(\d+)"/)![1]);
    const svgHeight = Number(svg.match(/^<svg[^>]*\sheight="(\d+)"/)![1]);
    expect(width).toBe(2 * svgWidth);
    expect(height).toBe(2 * svgHeight);
    expect(width).toBeGreaterThan(0);
  });

  it('throws a clear error for an unknown mark', async () => {
    const spec = { data: { values: [{ a: 1 }] }, mark: 'pointy', encoding: {} } as unknown as TopLevelSpec;
    await expect(renderFigure(spec, dir, 'bad-mark')).rejects.toThrow(/figure 'bad-mark': unknown mark type "pointy"/);
  });

  it('throws for a field missing from the data instead of drawing an empty plot', async () => {
    const spec: TopLevelSpec = {
      data: { values: [{ a: 1, b: 2 }, { a: 2, b: 3 }] },
      mark: 'point',
      encoding: { x: { field: 'a', type: 'quantitative' }, y: { field: 'nope', type: 'quantitative' } },
    };
    await expect(renderFigure(spec, dir, 'bad-field')).rejects.toThrow(/figure 'bad-field'.*'nope' not in the data/);
    // With an explicit domain vega never warns about x2; the rows are silently dropped instead.
    const rect: TopLevelSpec = {
      data: { values: [{ a: 1, b: 2 }, { a: 2, b: 3 }] },
      mark: 'rect',
      encoding: {
        x: { field: 'a', type: 'quantitative', scale: { domain: [0, 3] } },
        x2: { field: 'nope' },
        y: { field: 'b', type: 'quantitative' },
      },
    };
    await expect(specToSvg(rect, 'bad-x2')).rejects.toThrow(/figure 'bad-x2': field\(s\) 'nope' not in the data \(fields: a, b\)/);
  });

  it('tolerates a tooltip value missing from some rows', async () => {
    const points = [0, 0.1].flatMap((x) => ['A', 'B'].map((panel) => ({ series: 's', panel, x, rate: 0.5 })));
    const spec = successCurvesSpec({ title: 't', points, theory: [{ panel: 'A', x: 0.05 }] });
    await expect(specToSvg(spec)).resolves.toContain('<svg');
  });

  it('throws for a misspelt encoding channel and for external data', async () => {
    const channel = {
      data: { values: [{ a: 1 }] },
      mark: 'point',
      encoding: { colr: { field: 'a', type: 'quantitative' } },
    } as unknown as TopLevelSpec;
    await expect(specToSvg(channel)).rejects.toThrow(/colr/);
    const external: TopLevelSpec = { data: { url: 'data/cars.json' }, mark: 'point' };
    await expect(specToSvg(external)).rejects.toThrow(/inline/);
  });
});
