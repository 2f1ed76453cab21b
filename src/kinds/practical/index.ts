/**
 * The practical kind (docs/practical.md): a non-overlapping CNN on MNIST, Fashion-MNIST or CIFAR-10 whose dense
 * layers are trained, contaminated on a sparse set of coordinates and purified layer by layer from unlabeled
 * benign inputs. One trial, end to end, reads top to bottom in trial.ts; the network code is src/networks.
 */
import { experimentSchema } from '../../core/config.ts';
import { figureRequests } from '../../core/figures.ts';
import type { ExperimentKind } from '../../core/kind.ts';
import { checkNetwork } from '../../networks/schema.ts';
import { withRule } from '../../schema/define.ts';
import { PRACTICAL_FIGURES } from './figures.ts';
import { PracticalTrialRecord } from './records.ts';
import { PRACTICAL_SECTIONS, type PracticalConfig } from './schema.ts';
import { PRACTICAL_COLUMNS, summarizePractical, type PracticalSummaryRow } from './summary.ts';
import { NETWORK, runPracticalTrials } from './trial.ts';

export const practical: ExperimentKind<PracticalConfig, PracticalTrialRecord, PracticalSummaryRow> = {
  name: 'practical',
  record: PracticalTrialRecord,
  schema: withRule(experimentSchema('practical', PRACTICAL_SECTIONS, figureRequests('practical', PRACTICAL_FIGURES)), checkNetwork),
  ...NETWORK.protocol,
  run: (tasks, { solvers }) => runPracticalTrials(tasks, solvers),
  summarize: summarizePractical,
  columns: PRACTICAL_COLUMNS,
  figures: PRACTICAL_FIGURES,
};
