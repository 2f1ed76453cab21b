/**
 * The synthetic kind (RESEARCH.md §1–5): a one-hidden-layer non-overlapping CNN trained on Gaussian inputs from
 * a seeded start, contaminated on a sparse set of coordinates and recovered by l1 projection onto A_W or A_β.
 * One trial, end to end, reads top to bottom in trial.ts.
 */
import { experimentSchema } from '../../core/config.ts';
import type { ExperimentKind } from '../../core/kind.ts';
import { figureRequests } from '../../core/figures.ts';
import { withRule } from '../../schema/define.ts';
import { stableHash } from '../../util/canonical.ts';
import { patchSize } from './data.ts';
import { SYNTHETIC_FIGURES } from './figures.ts';
import { SyntheticTrialRecord } from './records.ts';
import { checkSynthetic, SYNTHETIC_SECTIONS, type SyntheticConfig } from './schema.ts';
import { compareSolvers, REFERENCE_SOLVER, solverCsv, solverTable } from './solver-agreement.ts';
import { layerSize } from './subspace.ts';
import { summarize, SYNTHETIC_COLUMNS, type SyntheticSummaryRow } from './summary.ts';
import { runSyntheticTrials } from './trial.ts';

export const synthetic: ExperimentKind<SyntheticConfig, SyntheticTrialRecord, SyntheticSummaryRow> = {
  name: 'synthetic',
  record: SyntheticTrialRecord,
  schema: withRule(experimentSchema('synthetic', SYNTHETIC_SECTIONS, figureRequests('synthetic', SYNTHETIC_FIGURES)), checkSynthetic),
  // Trials that differ only in corruption and solver share a trained network and a solver batch.
  family({ config }) {
    const { contamination: _c, solver: _s, recovery, sweeps: _w, ...rest } = config;
    return stableHash({ ...rest, layer: recovery.layer, subspace: recovery.subspace });
  },
  cost({ config }) {
    return layerSize(config.recovery.layer, config.model.width, patchSize(config.model)) * config.data.samples;
  },
  // The recovered layer's subspace; the inputs, gates and A_W (the training's Jacobian) beside it.
  footprint({ model, data, recovery, solver }) {
    const k = patchSize(model);
    const [n, r, p] = [data.samples, model.patches, model.width];
    return { subspace: { m: layerSize(recovery.layer, p, k), n }, solvers: [solver.name], otherBytes: 4 * n * (r * k + 2 * r * p + p * (k + 1)) };
  },
  run: (tasks, { solvers }) => runSyntheticTrials(tasks, solvers),
  summarize,
  columns: SYNTHETIC_COLUMNS,
  figures: SYNTHETIC_FIGURES,
  extras(records) {
    const solvers = compareSolvers(records);
    if (!solvers) return { tables: [], text: '' };
    return { tables: [{ name: 'solvers.csv', csv: solverCsv(solvers) }], text: `solver comparison (reference: ${REFERENCE_SOLVER}, same trials):\n${solverTable(solvers)}` };
  },
};
