/** A config that cannot be used: says which file (or flag), which key, and what was expected. Exit code 2. */
import { formatPath, type Issue } from '../schema/validate.ts';

export interface LocatedIssue extends Issue {
  /** Where the offending value came from: a file path, `--set key=value`, or `--trials`. */
  readonly source: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly issues: readonly LocatedIssue[]) {
    super(formatIssues(issues));
  }

  static single(source: string, path: readonly (string | number)[], message: string): ConfigError {
    return new ConfigError([{ source, path, message }]);
  }
}

const MAX_SHOWN = 12;

function formatIssues(issues: readonly LocatedIssue[]): string {
  const lines = issues.slice(0, MAX_SHOWN).map((i) => `${i.source}: ${formatPath(i.path)}: ${i.message}`);
  if (issues.length > MAX_SHOWN) lines.push(`... and ${issues.length - MAX_SHOWN} more`);
  return `invalid config:\n  ${lines.join('\n  ')}`;
}
