/**
 * The layering of src/, as rules dependency-cruiser checks (`npm run deps`, part of `npm test`). Data flows
 * one way — config files → validated config → plan of cells → trials → trials.jsonl → tables and figures —
 * and the imports follow the layers below: a module may import its own layer and the layers before it, never
 * one after it. README.md ("How it is built") draws the same picture.
 */

/** From lowest to highest. Each entry: a name and the path pattern of its folders. */
const LAYERS = [
  ['util', '^src/(util|theory)/'], //            small pure helpers, the l1 theory curve
  ['schema', '^src/(schema|tensor)/'], //        the config schema language (zod helpers, messages); the tfjs backend
  ['solvers', '^src/solvers/'], //               l1 recovery solvers: a numeric library, knows nothing of experiments
  ['core', '^src/core/'], //                     the contracts: ExperimentKind, Cell, TrialTask, StoredTrial, output layout
  ['building blocks', '^src/(config|recovery|data|report)/'], // config files, contamination and measures, data sets, report writer and figure specs
  ['plan', '^src/plan/'], //                     grids, cells, trials; resolving a config against a kind's schema
  ['runner', '^src/runner/'], //                 work units, workers, trials.jsonl, shards, the output folder
  ['launch', '^src/launch/'], //                 submitting shards to a cluster scheduler (SLURM job arrays)
  ['networks', '^src/networks/'], //             what the practical kinds share
  ['kinds', '^src/kinds/[^/]+/'], //             one folder per experiment kind
  ['registry', '^src/kinds/index[.]ts$'], //     the one list of kinds
  ['bench', '^src/bench/'], //                   benchmarks
  ['paper', '^src/paper/'], //                   the paper: figures, tables and index.html from the results folders
  ['library', '^src/lib/'], //                   the public library (package exports), the package root
  ['cli', '^src/cli/'], //                       the composition root: resolve → run → report
];

const upward = LAYERS.flatMap(([name, path], i) =>
  LAYERS.slice(i + 1).map(([above, abovePath]) => ({
    name: `layer-${name}-not-${above}`.replace(/ /g, '-'),
    comment: `${name} is below ${above}: a module in ${path} may not import ${abovePath}`,
    severity: 'error',
    from: { path },
    to: { path: abovePath },
  })),
);

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'Two modules that import each other (directly or through others) are one idea in two files, or a seam designed wrong.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'kinds-are-independent',
      comment: 'A kind never imports another kind: what two kinds share lives below them (src/networks, src/core, …).',
      severity: 'error',
      from: { path: '^src/kinds/([^/]+)/' },
      to: { path: '^src/kinds/', pathNot: '^src/kinds/$1/' },
    },
    {
      name: 'framework-knows-no-kind',
      comment: 'The runner, the plan and the report receive a kind; they never import one (workers get the registry by URL).',
      severity: 'error',
      from: { path: '^src/(runner|plan|report|core|config)/' },
      to: { path: '^src/kinds/' },
    },
    {
      name: 'nothing-imports-the-cli',
      comment: 'The command line is the composition root: nothing below it imports it.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/cli/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'src-not-to-tests-or-scripts',
      comment: 'Library code does not reach into tests or scripts.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|scripts)/' },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that does not resolve is a typo or a missing package.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
    ...upward,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: '^src/',
    // TypeScript 7 has no JavaScript API; swc parses the .ts files, type-only imports included.
    parser: 'swc',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
