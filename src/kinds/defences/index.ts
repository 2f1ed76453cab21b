/**
 * The backdoor-defences kind (docs/practical.md §6): a practical network (typically a head fine-tuned on a
 * pretrained backbone) is backdoored by poisoned fine-tuning (BadNets or Blended), then defended by fine-tuning,
 * Fine-Pruning, ANP or l1 purification from unlabeled benign inputs, all with the same benign data. One trial, end
 * to end, reads top to bottom in trial.ts; the network code is src/networks.
 */
import { experimentSchema } from '../../core/config.ts';
import { figureRequests } from '../../core/figures.ts';
import type { ExperimentKind } from '../../core/kind.ts';
import { withRule } from '../../schema/define.ts';
import { DEFENCE_FIGURES } from './figures.ts';
import { DefenceTrialRecord } from './records.ts';
import { checkDefences, DEFENCE_SECTIONS, type DefenceConfig } from './schema.ts';
import { DEFENCE_COLUMNS, summarizeDefences, type DefenceSummaryRow } from './summary.ts';
import { NETWORK, runDefenceTrials } from './trial.ts';

export const defences: ExperimentKind<DefenceConfig, DefenceTrialRecord, DefenceSummaryRow> = {
  name: 'backdoor-defences',
  record: DefenceTrialRecord,
  schema: withRule(experimentSchema('backdoor-defences', DEFENCE_SECTIONS, figureRequests('backdoor-defences', DEFENCE_FIGURES)), checkDefences),
  ...NETWORK.protocol,
  run: (tasks, { solvers }) => runDefenceTrials(tasks, solvers),
  summarize: summarizeDefences,
  columns: DEFENCE_COLUMNS,
  figures: DEFENCE_FIGURES,
};
