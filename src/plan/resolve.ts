/**
 * From a reference (`synthetic-sweep` or a file path) and command-line overrides to a validated experiment:
 * the resolved config (defaults filled, normal forms) and every cell of every sweep, each validated too.
 * Nothing runs and nothing is written until this has succeeded.
 */
import { ConfigError, type LocatedIssue } from './errors.ts';
import { compose, sourceOf, type ComposeOptions, type Composed } from './load.ts';
import { formatPath, validate, type Issue } from './schema.ts';
import { EXPERIMENT_KINDS, type ExperimentConfig } from './kinds.ts';
import { expandSweeps, makeCell, type Cell } from '../plan/plan.ts';

export interface ResolvedExperiment<C extends ExperimentConfig = ExperimentConfig> {
  readonly config: C;
  readonly cells: readonly Cell<C>[];
  /** The experiment file it was read from. */
  readonly file: string;
}

export function resolveExperiment(ref: string, options: ComposeOptions): ResolvedExperiment {
  const composed = compose(ref, options);
  const kind = composed.raw.kind ?? 'synthetic';
  const schema = EXPERIMENT_KINDS[String(kind) as keyof typeof EXPERIMENT_KINDS];
  if (!schema) {
    throw ConfigError.single(sourceOf(composed, ['kind']), ['kind'], `expected one of ${Object.keys(EXPERIMENT_KINDS).join(', ')}, got ${JSON.stringify(kind)}`);
  }
  const base = validate(schema, composed.raw);
  if (base.issues.length) throw new ConfigError(locate(composed, base.issues));
  const config = base.value as ExperimentConfig;

  const expanded = expandSweeps(composed.raw, schema);
  if (expanded.issues.length) throw new ConfigError(locate(composed, expanded.issues));
  const cells: Cell<ExperimentConfig>[] = [];
  const issues: LocatedIssue[] = [];
  for (const raw of expanded.cells) {
    const checked = validate(schema, { ...raw.raw, sweeps: composed.raw.sweeps });
    if (checked.issues.length) {
      issues.push(...checked.issues.map((issue) => locateInCell(composed, issue, raw.params, raw.origins)));
      continue;
    }
    cells.push(makeCell(raw, { ...(checked.value as ExperimentConfig), sweeps: {} }));
  }
  if (issues.length) throw new ConfigError(dedupe(issues));
  if (cells.length === 0) throw ConfigError.single(sourceOf(composed, ['sweeps']), ['sweeps'], 'the sweeps define no cells');
  return { config, cells, file: composed.file };
}

function locate(composed: Composed, issues: readonly Issue[]): LocatedIssue[] {
  return issues.map((issue) => ({ ...issue, source: sourceOf(composed, issue.path) }));
}

/** An invalid value inside a cell is reported at the grid entry that produced it, when there is one. */
function locateInCell(
  composed: Composed,
  issue: Issue,
  params: Readonly<Record<string, unknown>>,
  origins: Readonly<Record<string, readonly (string | number)[]>>,
): LocatedIssue {
  const dotted = issue.path.join('.');
  const axis = Object.keys(origins).find((p) => dotted === p || dotted.startsWith(p + '.'));
  if (axis) {
    const path = [...origins[axis], ...issue.path.slice(axis.split('.').length)];
    return { path, message: `value ${JSON.stringify(params[axis])}: ${issue.message}`, source: sourceOf(composed, origins[axis]) };
  }
  const cell = Object.entries(params).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ');
  return { path: issue.path, message: `${issue.message} (in the grid cell ${cell})`, source: sourceOf(composed, issue.path) };
}

function dedupe(issues: readonly LocatedIssue[]): LocatedIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.source}|${formatPath(i.path)}|${i.message.replace(/ \(in the grid cell .*\)$/, '')}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
