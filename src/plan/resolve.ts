/**
 * From a reference (`synthetic-sweep` or a file path) and command-line overrides to a validated experiment: its
 * kind, the resolved config (defaults filled, normal forms) and every cell of every sweep, each validated too.
 * Nothing runs and nothing is written until this has succeeded. The kinds come in as an argument: the plan
 * knows what a kind's schema says, not which kinds exist.
 */
import { availableParallelism } from 'node:os';
import { ConfigError, type LocatedIssue } from '../config/errors.ts';
import { presetGroups } from '../config/groups.ts';
import { compose, composeObject, sourceOf, type ComposeOptions, type Composed, type RawConfig } from '../config/load.ts';
import type { CommonConfig } from '../core/config.ts';
import type { ExperimentKind, KindRegistry } from '../core/kind.ts';
import type { Cell, StoredTrial } from '../core/trial.ts';
import { toJsonSchema } from '../schema/json.ts';
import { formatPath, isPlainObject, validate, type Issue } from '../schema/validate.ts';
import { estimateMemory, memoryIssue, type MemoryEstimate } from './footprint.ts';
import { axisKindIn, DEFAULT_LIMITS, expandSweeps, makeCell, type PlanLimits } from './plan.ts';

export interface ResolvedExperiment<C extends CommonConfig = CommonConfig, R extends StoredTrial = StoredTrial, S extends { readonly sweep: string } = { readonly sweep: string }> {
  readonly kind: ExperimentKind<C, R, S>;
  readonly config: C;
  readonly cells: readonly Cell<C>[];
  /** The experiment file it was read from. */
  readonly file: string;
  /** The most demanding cell's memory, for a kind that declares a footprint (plan/footprint.ts). */
  readonly memory?: MemoryEstimate;
}

export type ResolveOptions = Omit<ComposeOptions, 'groups'> & { readonly limits?: Partial<PlanLimits> };

/** Resolve an experiment of any kind in `kinds`; a config without `kind:` is of the first kind listed. */
export function resolveExperiment(ref: string, options: ResolveOptions, kinds: KindRegistry): ResolvedExperiment {
  return resolveOfKind(compose(ref, { ...options, groups: presetGroups(Object.values(kinds)) }), kinds, options.limits);
}

/** Resolve a config given as an object, as if it were a file with that content; `label` names it in errors. */
export function resolveConfigObject(config: RawConfig, label: string, options: ResolveOptions, kinds: KindRegistry): ResolvedExperiment {
  return resolveOfKind(composeObject(config, label, { ...options, groups: presetGroups(Object.values(kinds)) }), kinds, options.limits);
}

function resolveOfKind(composed: Composed, kinds: KindRegistry, limits?: Partial<PlanLimits>): ResolvedExperiment {
  const name = composed.raw.kind ?? Object.keys(kinds)[0];
  const kind = typeof name === 'string' ? kinds[name] : undefined;
  if (!kind) {
    throw ConfigError.single(sourceOf(composed, ['kind']), ['kind'], `expected one of ${Object.keys(kinds).join(', ')}, got ${JSON.stringify(name)}`);
  }
  return resolveComposed(kind, composed, limits);
}

/** Resolve an experiment that must be of `kind` (its config then has that kind's type). */
export function resolveAs<C extends CommonConfig, R extends StoredTrial, S extends { readonly sweep: string }>(kind: ExperimentKind<C, R, S>, ref: string, options: ResolveOptions): ResolvedExperiment<C, R, S> {
  return resolveComposed(kind, compose(ref, { ...options, groups: presetGroups([kind]) }), options.limits);
}

function resolveComposed<C extends CommonConfig, R extends StoredTrial, S extends { readonly sweep: string }>(kind: ExperimentKind<C, R, S>, composed: Composed, given?: Partial<PlanLimits>): ResolvedExperiment<C, R, S> {
  const limits: PlanLimits = { ...DEFAULT_LIMITS, ...given };
  const base = validate(kind.schema, withoutNulls(composed.raw));
  if (!base.ok) throw new ConfigError(locate(composed, base.issues));

  const expanded = expandSweeps({ ...composed.raw, trials: base.value.trials }, axisKindIn(toJsonSchema(kind.schema)), limits);
  if (expanded.issues.length) throw new ConfigError(locate(composed, expanded.issues));
  const cells: Cell<C>[] = [];
  const issues: LocatedIssue[] = [];
  for (const raw of expanded.cells) {
    const checked = validate(kind.schema, withoutNulls({ ...raw.raw, sweeps: composed.raw.sweeps }));
    if (!checked.ok) issues.push(...checked.issues.map((issue) => locateInCell(composed, issue, raw.params, raw.origins)));
    else cells.push(makeCell(raw, { ...checked.value, sweeps: {} }));
  }
  if (issues.length) throw new ConfigError(dedupe(issues));
  if (cells.length === 0) throw ConfigError.single(sourceOf(composed, ['sweeps']), ['sweeps'], 'the sweeps define no cells');
  const memory = estimateMemory(kind.footprint?.bind(kind), cells);
  const tooLarge = memory && memoryIssue(memory, base.value.workers || availableParallelism(), cells.length * base.value.trials, limits.memory);
  if (tooLarge) throw new ConfigError(locate(composed, [tooLarge]));
  return { kind, config: base.value, cells, file: composed.file, memory };
}

/** YAML writes an empty key (`model:`) as null; it means "not given", so the defaults apply. */
function withoutNulls(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== null) out[k] = isPlainObject(v) ? withoutNulls(v) : v;
  return out;
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
