/**
 * npm run bench [-- --quick] [--no-shapes] [--no-sweep] [--peer] [--large] [--solvers highs,active-set] [--sweep-solver S]
 *                  [--repetitions N] [--backend wasm]
 *
 * A benchmark, not a test: prints a table and writes results/bench/<timestamp>.json.
 *   1. tfjs matmul rate on the backend (square 512 and the solvers' [m×n]·[n×17] shapes);
 *   2. per solver, time per problem at m ∈ {288, 576, 1152} × n ∈ {50, 100, 200}, hidden-layer subspaces A_W
 *      and the Gaussian ablation, batch size 1 and one batch of all problems (6 subspaces × 17 corruption
 *      levels = 102), estimated GFLOP/s, agreement of success decisions with HiGHS;
 *      (skip with --no-shapes), and how the time grows with m and n (fitted exponents, a log–log figure);
 *   3. wall time of the default synthetic-sweep with highs and with the fastest solver (skip with --no-sweep;
 *      the highs run takes a long time on 2 cores), and their agreement trial by trial;
 *   4. --peer: the same sweep by bench/peer.py (numpy + SciPy HiGHS) on the same cores: both wall times, the
 *      ratio, and how close the success rates are cell by cell;
 *   5. --large: one cell of m = 12,600, n = 2,000 at five corruption levels, end to end, with --sweep-solver.
 * Every timing is the median of --repetitions runs (default 3), except the sweeps (one run each).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { benchProblems, succeeded, timeSolver, spread, type BenchShape, type SolverTiming } from '../bench/solver-bench.ts';
import { matmulRate } from '../bench/matmul.ts';
import { timeLargeCell, type LargeCellTiming } from '../bench/large-cell.ts';
import { agreementWithPeer, peerUnavailable, runPeer, type PeerAgreement, type PeerOutput } from '../bench/peer.ts';
import { describeFit, fitPowerLaw, scalingSpec, type ScalingPoint } from '../bench/scaling.ts';
import type { SyntheticTrialRecord } from '../kinds/synthetic/records.ts';
import { renderFigure } from '../report/render.ts';
import { KINDS_URL } from '../kinds/index.ts';
import { synthetic } from '../kinds/synthetic/index.ts';
import { resolveAs } from '../plan/resolve.ts';
import { gitState, harnessVersion, machine, packageVersions } from '../runner/manifest.ts';
import { runExperiment } from '../runner/run.ts';
import { SolverPool } from '../solvers/pool.ts';
import { defaultSpec, SOLVER_NAMES, solverSpec, type SolverName, type SolverSpec } from '../solvers/registry.ts';
import { BACKENDS, useBackend, type BackendName } from '../tensor/backend.ts';
import { invokedAs, PACKAGE_ROOT, RESULTS_ROOT } from '../lib/package-root.ts';

const ROOT = PACKAGE_ROOT;
/** l2 and none answer a different question (no l1 recovery); their times are shown, not compared. */
const BASELINES = new Set(['l2', 'none']);
const ALL_SOLVERS: SolverSpec[] = [defaultSpec('highs'), defaultSpec('active-set'), defaultSpec('admm'), solverSpec.parse({ name: 'pdhg', operator: 'basis' }), defaultSpec('irls'), defaultSpec('l2')];

const args = await yargs(hideBin(process.argv))
  .scriptName(invokedAs('npm run bench --'))
  .option('quick', { type: 'boolean', default: false, describe: 'only m = 288, 576 and n = 50, 100; one repetition' })
  .option('shapes', { type: 'boolean', default: true, describe: 'time every solver per problem shape (--no-shapes to skip)' })
  .option('sweep', { type: 'boolean', default: true, describe: 'time the default synthetic-sweep with highs and the fastest solver (--no-sweep to skip)' })
  .option('sweep-trials', { type: 'number', describe: 'trials per cell for the sweep timings (default: the config\'s 20; highs needs ≈ 9 min for those on 2 cores)' })
  .option('solvers', { type: 'string', describe: `comma-separated solvers to time (default all: ${ALL_SOLVERS.map((x) => x.name).join(',')}); highs is always timed, as the reference` })
  .option('sweep-solver', { type: 'string', default: 'admm', describe: 'the fast solver whose synthetic-sweep wall time is compared with highs' })
  .option('peer', { type: 'boolean', default: false, describe: 'also run the sweep as bench/peer.py (numpy + SciPy HiGHS) on the same cores and report the ratio' })
  .option('python', { type: 'string', default: 'python3', describe: 'the Python that runs the peer' })
  .option('large', { type: 'boolean', default: false, describe: 'time one cell of m = 12,600, n = 2,000 at five corruption levels, end to end, with --sweep-solver' })
  .option('repetitions', { type: 'number', default: 3, describe: 'repetitions per timing (medians are reported)' })
  .option('backend', { type: 'string', choices: BACKENDS, default: 'wasm' })
  .strictOptions()
  .help()
  .version(false)
  .parseAsync();

/** A bad flag is a usage error: one line, exit code 2, no stack trace. */
function usage(message: string): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(2);
}

const wanted = args.solvers?.split(',').map((x) => x.trim());
const unknown = wanted?.filter((w) => !ALL_SOLVERS.some((x) => x.name === w)) ?? [];
if (unknown.length) usage(`--solvers: unknown ${unknown.join(', ')}; known: ${ALL_SOLVERS.map((x) => x.name).join(', ')}`);
const SOLVERS = ALL_SOLVERS.filter((x) => x.name === 'highs' || !wanted || wanted.includes(x.name));
const sweepSolver = args['sweep-solver'];
if (!SOLVER_NAMES.includes(sweepSolver as SolverName)) usage(`--sweep-solver: unknown solver '${sweepSolver}'; known: ${SOLVER_NAMES.join(', ')}`);
if (args.peer && !args.sweep) usage('--peer compares with the sweep timing: drop --no-sweep');
const peerMissing = args.peer ? peerUnavailable(args.python) : undefined;
if (peerMissing) usage(`--peer: ${peerMissing}; install numpy and scipy, or pass --python`);
const backend = args.backend as BackendName;
const tf = await useBackend(backend);
const repetitions = args.quick ? 1 : args.repetitions;
const ms = args.quick ? [288, 576] : [288, 576, 1152];
const ns = args.quick ? [50, 100] : [50, 100, 200];
const log = (line: string) => process.stderr.write(line + '\n');

log(`backend ${tf.getBackend()}; matmul rate…`);
const matmul = { square512: matmulRate(512, 512, 512), shapes: {} as Record<string, number> };
for (const m of ms) for (const n of ns) matmul.shapes[`${m}x${n}x17`] = matmulRate(m, n, 17);

const pool = new SolverPool();
const timings: SolverTiming[] = [];
for (const subspace of args.shapes ? (['cnn', 'gaussian'] as const) : []) {
  for (const m of ms) {
    for (const n of ns) {
      const shape: BenchShape = { m, n, subspace };
      const problems = await benchProblems(ROOT, shape, 6, 17, pool);
      // HiGHS solves one problem at a time, so a spread subset gives its per-problem time and the reference.
      const highsSet = spread(problems, 12);
      const highs = await pool.get('highs');
      const reference = new Map(await Promise.all(highsSet.map(async (p) => [p, succeeded(p, (await highs.solve([p.problem]))[0])] as const)));
      for (const spec of SOLVERS) {
        const isHighs = spec.name === 'highs';
        const subset = isHighs ? highsSet : problems;
        const timing = await timeSolver(spec, subset, reference, { repetitions, batch1: isHighs ? 12 : 8, batched: !isHighs }, pool);
        timings.push({ ...timing, shape });
        log(`  ${subspace} ${m}×${n} ${spec.name.padEnd(5)} batch 1: ${timing.msPerProblemBatch1.toFixed(2)} ms  batched: ${timing.msPerProblemBatched?.toFixed(2) ?? '—'} ms`);
      }
    }
  }
}

const sweeps: Record<string, { solver: string; wallSeconds: number; trials: number; trialsPerCell: number; dir: string }> = {};
let sweepAgreement: { paired: number; agreeing: number } | undefined;
const decisions: Record<string, Map<string, boolean>> = {};
let fastRecords: readonly SyntheticTrialRecord[] = [];
if (args.sweep) {
  for (const solver of [sweepSolver, 'highs']) {
    log(`synthetic-sweep with ${solver}…`);
    const resolved = resolveAs(synthetic, 'synthetic-sweep', { root: ROOT, sets: [`solver=${solver}`], trials: args['sweep-trials'] });
    const t = performance.now();
    const dir = mkdtempSync(join(tmpdir(), `bench-sweep-${solver}-`));
    const outcome = await runExperiment(resolved, { outDir: dir, fresh: true, kinds: KINDS_URL, root: ROOT, command: `bench: synthetic-sweep --set solver=${solver}` });
    decisions[solver] = new Map(outcome.records.map((r) => [r.key, r.success]));
    if (solver === sweepSolver) fastRecords = outcome.records;
    sweeps[solver] = { solver, wallSeconds: (performance.now() - t) / 1000, trials: outcome.planned, trialsPerCell: resolved.config.trials, dir };
  }
  // Trial keys do not involve the solver, so the two runs pair up trial by trial.
  const [fast, exact] = [decisions[sweepSolver], decisions.highs];
  const keys = [...exact.keys()].filter((k) => fast.has(k));
  sweepAgreement = { paired: keys.length, agreeing: keys.filter((k) => fast.get(k) === exact.get(k)).length };
}

let peer: (PeerOutput & { agreement: PeerAgreement }) | undefined;
if (args.peer) {
  const trialsPerCell = sweeps[sweepSolver].trialsPerCell;
  log(`peer: bench/peer.py, ${trialsPerCell} trials per cell on ${availableParallelism()} processes…`);
  const output = runPeer(ROOT, { trials: trialsPerCell, workers: availableParallelism(), python: args.python });
  peer = { ...output, agreement: agreementWithPeer(fastRecords, output) };
}

const large: LargeCellTiming[] = [];
if (args.large) {
  log(`large cell (m = 12,600, n = 2,000) with ${sweepSolver}…`);
  large.push(await timeLargeCell(ROOT, sweepSolver));
}

const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const dir = join(RESULTS_ROOT, 'bench');
mkdirSync(dir, { recursive: true });

if (timings.length) printTable(timings);
const scaling = scalingPoints(timings);
const fits = Object.fromEntries([...new Set(scaling.map((p) => p.solver))].map((solver) => [solver, fitPowerLaw(scaling.filter((p) => p.solver === solver)) ?? null]));
if (scaling.length) {
  console.log(`\ngrowth of the time per problem (hidden-layer subspaces, least squares on log t):`);
  for (const [solver, fit] of Object.entries(fits)) console.log(`  ${describeFit(solver, fit ?? undefined)}`);
  const figure = await renderFigure(scalingSpec(scaling, 'Time per problem against the shape of A (log–log)'), dir, `${stamp}-scaling`);
  console.log(`  figure: ${figure.png}`);
}
const fastSweep = sweeps[sweepSolver];
if (sweeps.highs && fastSweep) {
  console.log(`\ndefault synthetic-sweep grid (${fastSweep.trials} trials, ${fastSweep.trialsPerCell} per cell): highs ${sweeps.highs.wallSeconds.toFixed(0)} s, ${sweepSolver} ${fastSweep.wallSeconds.toFixed(0)} s → ${(sweeps.highs.wallSeconds / fastSweep.wallSeconds).toFixed(1)}× faster`);
  if (sweepAgreement) console.log(`success decisions, ${sweepSolver} vs highs, trial by trial: ${sweepAgreement.agreeing}/${sweepAgreement.paired} agree (${((100 * sweepAgreement.agreeing) / sweepAgreement.paired).toFixed(2)}%)`);
}
if (peer && fastSweep) {
  console.log(`\npeer (${peer.peer}, numpy ${peer.numpy}, scipy ${peer.scipy}, ${peer.workers} processes): ${peer.trials} trials in ${peer.wall_seconds.toFixed(0)} s; ${sweepSolver} ${fastSweep.wallSeconds.toFixed(0)} s → ${(peer.wall_seconds / fastSweep.wallSeconds).toFixed(1)}× faster than the peer`);
  console.log(`  success rates, ours vs the peer's, over ${peer.agreement.cells} cells: mean |difference| ${peer.agreement.meanAbsDifference.toFixed(3)}, largest ${peer.agreement.maxAbsDifference.toFixed(3)} (independent draws: a same-experiment check, not trial by trial)`);
}
for (const cell of large) {
  const right = cell.trials.filter((t) => t.asTheoryPredicts).length;
  console.log(`\nlarge cell m = ${cell.m}, n = ${cell.n} (ε* = ${cell.criticalCorruption.toFixed(3)}), ${cell.solver}: ${cell.wallSeconds.toFixed(1)} s for ${cell.trials.length} trials; ${right}/${cell.trials.length} decisions on the theory's side`);
  for (const t of cell.trials) console.log(`  ε = ${t.fraction}: ${t.success ? 'recovered' : 'not recovered'}${t.asTheoryPredicts ? '' : ' (against the theory)'}, ${t.status}${t.message ? ` (${t.message})` : ''}, solve ${(t.solveMs / 1000).toFixed(1)} s`);
}
console.log(`\ntfjs matmul on ${backend}: 512³ ${matmul.square512.toFixed(1)} GFLOP/s; ${Object.entries(matmul.shapes).map(([s, r]) => `${s} ${r.toFixed(1)}`).join(', ')}`);

const file = join(dir, `${stamp}.json`);
writeFileSync(file, JSON.stringify({ version: harnessVersion(ROOT), backend, repetitions, git: gitState(ROOT), packages: packageVersions(ROOT), ...machine(), matmul, timings, fits, sweeps, sweepAgreement, peer, large }, null, 2) + '\n');
console.log(`\nwrote ${file}`);
await pool.dispose();

/** The hidden-layer timings, best time per problem (batched where the solver batches), for the growth fit. */
function scalingPoints(rows: readonly SolverTiming[]): ScalingPoint[] {
  return rows.filter((r) => r.shape.subspace === 'cnn' && !BASELINES.has(r.solver)).map((r) => ({ solver: r.solver, m: r.shape.m, n: r.shape.n, ms: r.msPerProblemBatched ?? r.msPerProblemBatch1 }));
}

function printTable(rows: readonly SolverTiming[]): void {
  const highsAt = (shape: BenchShape) => rows.find((r) => r.solver === 'highs' && r.shape.m === shape.m && r.shape.n === shape.n && r.shape.subspace === shape.subspace)!;
  const header = ['subspace', 'm', 'n', 'solver', 'ms/problem (batch 1)', 'ms/problem (batch)', 'batch', 'speed-up vs highs', 'est. GFLOP/s', 'matmul GFLOP/s', 'agree w/ highs', 'success'];
  const lines = rows.map((r) => {
    const best = r.msPerProblemBatched ?? r.msPerProblemBatch1;
    return [
      r.shape.subspace,
      String(r.shape.m),
      String(r.shape.n),
      r.solver,
      r.msPerProblemBatch1.toFixed(2),
      r.msPerProblemBatched === null ? '—' : r.msPerProblemBatched.toFixed(2),
      String(r.batchSize),
      r.solver === 'highs' ? '1.0×' : BASELINES.has(r.solver) ? '(baseline)' : `${(highsAt(r.shape).msPerProblemBatch1 / best).toFixed(1)}×`,
      r.gflops === null ? '—' : r.gflops.toFixed(2),
      matmul.shapes[`${r.shape.m}x${r.shape.n}x17`].toFixed(1),
      r.agreement === null ? '—' : `${(100 * r.agreement).toFixed(0)}%`,
      `${(100 * r.successRate).toFixed(0)}%`,
    ];
  });
  const all = [header, ...lines];
  const widths = header.map((_, c) => Math.max(...all.map((l) => l[c].length)));
  console.log(all.map((l) => l.map((cell, c) => (c === 3 || c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ')).join('\n'));
}
