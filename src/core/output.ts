/**
 * The output folder contract: config.json (fully resolved), manifest.json, trials.jsonl, summary.csv and
 * figures/. The runner fills the folder, the report layer reads trials and writes the summary and figures.
 */
import { join } from 'node:path';

export interface OutputLayout {
  readonly dir: string;
  readonly config: string;
  readonly manifest: string;
  readonly trials: string;
  /** Lines moved out of trials.jsonl by --repair (each after a line saying why). */
  readonly rejected: string;
  readonly summary: string;
  readonly figures: string;
}

export function outputLayout(dir: string): OutputLayout {
  return {
    dir,
    config: join(dir, 'config.json'),
    manifest: join(dir, 'manifest.json'),
    trials: join(dir, 'trials.jsonl'),
    rejected: join(dir, 'trials.rejected.jsonl'),
    summary: join(dir, 'summary.csv'),
    figures: join(dir, 'figures'),
  };
}
