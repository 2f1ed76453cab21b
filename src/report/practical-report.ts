/** Reporters of the practical and backdoor kinds (registered in src/report/report.ts). */
import type { BackdoorTrialRecord } from '../practical/backdoor.ts';
import type { PracticalTrialRecord } from '../practical/pipeline.ts';
import { backdoorFigures, practicalFigures } from './practical-figures.ts';
import { BACKDOOR_COLUMNS, PRACTICAL_COLUMNS, summarizeBackdoor, summarizePractical } from './practical-summary.ts';
import type { Reporter } from './report.ts';
import { summaryCsv } from './summary.ts';

const practical: Reporter = (config, records) => {
  const rows = summarizePractical(records as unknown as PracticalTrialRecord[]);
  return { csv: summaryCsv(rows as never, PRACTICAL_COLUMNS), figures: practicalFigures(config.sweeps, rows) };
};

const backdoor: Reporter = (config, records) => {
  const rows = summarizeBackdoor(records as unknown as BackdoorTrialRecord[]);
  return { csv: summaryCsv(rows as never, BACKDOOR_COLUMNS), figures: backdoorFigures(config.sweeps, rows) };
};

export const PRACTICAL_REPORTERS = { practical, backdoor };
