/**
 * The backdoor kind (docs/practical.md): a trained practical network is backdoored by BadNets fine-tuning, then
 * purified from benign inputs only, next to the fine-tuning defence. One trial, end to end, reads top to bottom
 * in trial.ts; the network code is src/networks.
 */
import { experimentSchema } from '../../core/config.ts';
import { figureRequests } from '../../core/figures.ts';
import type { ExperimentKind } from '../../core/kind.ts';
import { withRule } from '../../schema/define.ts';
import { BACKDOOR_FIGURES } from './figures.ts';
import { BackdoorTrialRecord } from './records.ts';
import { BACKDOOR_SECTIONS, checkBackdoor, type BackdoorConfig } from './schema.ts';
import { BACKDOOR_COLUMNS, summarizeBackdoor, type BackdoorSummaryRow } from './summary.ts';
import { NETWORK, runBackdoorTrials } from './trial.ts';

export const backdoor: ExperimentKind<BackdoorConfig, BackdoorTrialRecord, BackdoorSummaryRow> = {
  name: 'backdoor',
  record: BackdoorTrialRecord,
  schema: withRule(experimentSchema('backdoor', BACKDOOR_SECTIONS, figureRequests('backdoor', BACKDOOR_FIGURES)), checkBackdoor),
  ...NETWORK.protocol,
  run: (tasks, { solvers }) => runBackdoorTrials(tasks, solvers),
  summarize: summarizeBackdoor,
  columns: BACKDOOR_COLUMNS,
  figures: BACKDOOR_FIGURES,
};
