// Renders one example of every figure with made-up data, for eyeballing the figure layer:
//   npx tsx scripts/demo-figures.ts /tmp/figdemo
import { renderFigure } from '../src/report/render.ts';
import { phaseDiagramSpec, type PhaseCell } from '../src/report/figures/phase-diagram.ts';
import { successCurvesSpec, type SuccessPoint } from '../src/report/figures/success-curves.ts';
import { accuracyCurvesSpec, type AccuracyPoint } from '../src/report/figures/accuracy-curves.ts';
import { barsSpec } from '../src/report/figures/bars.ts';
import { errorHistogramSpec } from '../src/report/figures/histogram.ts';

/** Smooth made-up transition: success when ε is below a boundary that grows with log2(p). */
function demoPhaseCells(): PhaseCell[] {
  const cells: PhaseCell[] = [];
  const widths = [16, 32, 64, 128, 256, 512, 1024];
  for (let i = 0; i <= 20; i++) {
    const eps = i * 0.025;
    for (const p of widths) {
      if (eps === 0.4 && p === 1024) continue; // a hole: shows how missing runs are drawn
      const boundary = demoBoundary(p);
      const rate = 1 / (1 + Math.exp((eps - boundary) / 0.02));
      cells.push({ x: eps, y: p, successRate: Math.round(rate * 20) / 20, trials: 20 });
    }
  }
  return cells;
}

function demoSuccessPoints(): SuccessPoint[] {
  const points: SuccessPoint[] = [];
  const solvers = { 'HiGHS simplex': 0, 'IRLS': -0.03, 'least squares': -0.2 };
  for (const p of [64, 256, 1024]) {
    for (const [series, shift] of Object.entries(solvers)) {
      for (let i = 0; i <= 20; i++) {
        const x = i * 0.025;
        const rate = 1 / (1 + Math.exp((x - demoBoundary(p) - shift) / 0.02));
        points.push({ series, panel: String(p), x, rate: Math.round(rate * 20) / 20, trials: 20 });
      }
    }
  }
  return points;
}

function demoAccuracyPoints(): AccuracyPoint[] {
  const points: AccuracyPoint[] = [];
  for (const [panel, clean] of [['MNIST', 98.4], ['CIFAR-10', 86.1]] as const) {
    for (let i = 0; i <= 10; i++) {
      const x = i * 0.05;
      const decay = Math.exp(-x * 12);
      const contaminated = 10 + (clean - 10) * decay;
      const project = x < 0.3 ? clean - 0.2 : 10 + (clean - 10) * Math.exp(-(x - 0.3) * 20);
      const detect = x < 0.35 ? clean - 0.5 : 10 + (clean - 10) * Math.exp(-(x - 0.35) * 15);
      points.push({ variant: 'contaminated', panel, x, accuracy: contaminated });
      points.push({ variant: 'purified: project', panel, x, accuracy: project });
      points.push({ variant: 'purified: detect-replace', panel, x, accuracy: detect });
    }
  }
  return points;
}

/** Bimodal made-up errors: most runs recover to ~1e-13, the rest fail with errors near 0.1. */
function demoErrors(): number[] {
  const errors: number[] = [0, 0, 0];
  for (let i = 0; i < 400; i++) {
    const u = Math.sin(i * 12.9898) * 43758.5453;
    const jitter = u - Math.floor(u) - 0.5;
    errors.push(i % 4 === 0 ? Math.pow(10, -1 + jitter * 1.5) : Math.pow(10, -13 + jitter * 2.5));
  }
  return errors;
}

function demoBoundary(p: number): number {
  return 0.05 + 0.055 * Math.log2(p / 8);
}

async function main(): Promise<void> {
  const dir = process.argv[2] ?? '/tmp/figdemo';
  const theory = Array.from({ length: 200 }, (_, i) => {
    const p = 10 * Math.pow(2, i / 20);
    return { x: demoBoundary(p) + 0.01, y: p };
  });
  const figures = {
    'phase-diagram': phaseDiagramSpec({
      title: 'Exact recovery of corrupted hidden-layer weights',
      subtitle: 'l1 projection onto A_W, k = 8, n = 64, 20 trials per cell',
      xTitle: 'corruption fraction ε',
      yTitle: 'width p',
      yScale: 'log',
      cells: demoPhaseCells(),
      theory,
    }),
    'success-curves': successCurvesSpec({
      title: 'Recovery success against corruption fraction',
      subtitle: 'fraction of 20 trials with relative error below 1e-6',
      seriesTitle: 'solver',
      panelTitle: 'width p',
      points: demoSuccessPoints(),
      theory: [64, 256, 1024].map((p) => ({ panel: String(p), x: demoBoundary(p) + 0.01 })),
    }),
    'accuracy-curves': accuracyCurvesSpec({
      title: 'Test accuracy of contaminated and purified networks',
      subtitle: 'random corruption of a fraction ε of first-layer parameters',
      points: demoAccuracyPoints(),
      clean: [
        { panel: 'MNIST', accuracy: 98.4 },
        { panel: 'CIFAR-10', accuracy: 86.1 },
      ],
    }),
    bars: barsSpec({
      title: 'Backdoor purification',
      subtitle: 'BadNets trigger, CIFAR-10, mean of 5 seeds',
      bars: [
        { category: 'before', metric: 'clean accuracy', value: 85.2 },
        { category: 'before', metric: 'attack success rate', value: 99.7 },
        { category: 'after purification', metric: 'clean accuracy', value: 83.9 },
        { category: 'after purification', metric: 'attack success rate', value: 4.1 },
        { category: 'after fine-tuning', metric: 'clean accuracy', value: 85.0 },
        { category: 'after fine-tuning', metric: 'attack success rate', value: 2.3 },
      ],
    }),
    'error-histogram': errorHistogramSpec({
      title: 'Relative recovery error is bimodal',
      subtitle: '403 runs; exact zeros drawn at 1e-16',
      values: demoErrors(),
      tolerance: 1e-6,
    }),
  };
  for (const [name, spec] of Object.entries(figures)) {
    const out = await renderFigure(spec, dir, name);
    console.log(out.png);
  }
}

await main();
