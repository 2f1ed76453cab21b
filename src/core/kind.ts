/**
 * The protocol an experiment kind implements (synthetic, practical, backdoor, …; src/kinds/). The framework
 * (plan, runner, report) drives a kind only through this interface and never imports a kind; a kind implements it
 * and never reaches into the framework. Data flows one way:
 *
 *   config (schema) → cells → trial tasks grouped by family into work units → run → StoredTrial records
 *     → summary rows (summarize, columns) → figures (per sweep, per request) and further tables
 */
import type * as z from 'zod';
import type { TopLevelSpec } from 'vega-lite';
import type { SolverPool } from '../solvers/pool.ts';
import type { CommonConfig } from './config.ts';
import type { StoredTrial, TrialTask } from './trial.ts';

/** What a kind gets from the runner to run its trials with. */
export interface KindContext {
  /** Solvers, created once per thread and reused across work units. */
  readonly solvers: SolverPool;
}

/** A figure ready to render: its file name (without extension) and its vega-lite spec. */
export interface NamedFigure {
  readonly name: string;
  readonly spec: TopLevelSpec;
}

/** A table written beside summary.csv (e.g. solvers.csv), as CSV text. */
export interface Table {
  readonly name: string;
  readonly csv: string;
}

/** What a figure is drawn from: one sweep's summary rows and trial records, and the experiment config. */
export interface FigureContext<C, R, S> {
  readonly sweep: string;
  readonly config: C;
  readonly rows: readonly S[];
  readonly records: readonly R[];
}

/** One figure kind: the keys a config may give when it asks for it, and how it is drawn. */
export interface FigureKind<C, R, S> {
  /** A strict object schema whose `kind` key is the figure kind's name. */
  readonly request: z.ZodObject;
  /** The figures for one request (already validated against `request`) on one sweep. */
  draw(request: unknown, context: FigureContext<C, R, S>): NamedFigure[];
}

/** A figure kind from its request schema and a builder that receives the request in its declared type. */
export function defineFigure<Q extends z.ZodObject, C, R, S>(request: Q, build: (request: z.output<Q>, context: FigureContext<C, R, S>) => NamedFigure[]): FigureKind<C, R, S> & { readonly request: Q } {
  return { request, draw: (raw, context) => build(request.parse(raw), context) };
}

/** What one trial holds in memory at its peak, for the estimate of `--dry-run` and the check before a run. */
export interface Footprint {
  /** The largest subspace the trial hands a solver: m recovered coordinates × n spanning inputs. */
  readonly subspace: { readonly m: number; readonly n: number };
  /** The solvers it is solved with (their working memory differs). */
  readonly solvers: readonly string[];
  /** Further arrays held at the same time (data sets, features), in bytes. */
  readonly otherBytes: number;
}

export interface ExperimentKind<C extends CommonConfig = CommonConfig, R extends StoredTrial = StoredTrial, S extends { readonly sweep: string } = { readonly sweep: string }> {
  /** The value of `kind:` in a config that selects this kind. */
  readonly name: string;
  /** The resolved config: common keys, the kind's sections, figure requests and rules (core/config.ts). */
  readonly schema: z.ZodType<C>;
  /** The shape of one stored trial record: every line read back from trials.jsonl is checked against it. */
  readonly record: z.ZodType<R>;
  /** Trials with the same family share expensive work (training) and one solver batch; a work unit never mixes families. */
  family(task: TrialTask<C>): string;
  /** Rough relative cost of one trial, for scheduling the largest units first. */
  cost(task: TrialTask<C>): number;
  /** Run a work unit's trials; one record per task, in task order. A trial that fails is a record that says so. */
  run(tasks: readonly TrialTask<C>[], context: KindContext): Promise<R[]>;
  /** The peak memory of one trial of a cell, estimated from its config (plan/footprint.ts adds it up). */
  footprint?(config: C): Footprint;
  /** Checked in the main thread before anything runs or is written (e.g. that the data set is there); throws to stop. */
  preflight?(configs: readonly C[]): Promise<void>;
  /** summary.csv: one row per cell, in the order of `records` (plan order), and its columns. */
  summarize(records: readonly R[]): S[];
  readonly columns: readonly string[];
  /** The figure kinds a config of this kind may ask for, by name. */
  readonly figures: Readonly<Record<string, FigureKind<C, R, S>>>;
  /** Further tables and text to print at the end of a run (e.g. a solver comparison). */
  extras?(records: readonly R[]): { readonly tables: readonly Table[]; readonly text: string };
}

/** The kinds a run may use, by name (src/kinds/index.ts exports one as `KINDS`). */
export type KindRegistry = Readonly<Record<string, ExperimentKind>>;
