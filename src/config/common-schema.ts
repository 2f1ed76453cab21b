/**
 * Keys every experiment has, whatever its kind: identity, seed, how many trials, where numbers are computed,
 * and the sweeps (grids of cells) with the figures drawn from them.
 */
import type { ObjectSchema, Schema } from './schema.ts';
import { BACKENDS, type BackendName } from '../tensor/backend.ts';

/** Summary columns a figure may put on an axis, split panels by, or colour series by. */
export const FIGURE_FIELDS = ['width', 'samples', 'params', 'n_over_m', 'corruption', 'steps', 'lr', 'solver', 'layer', 'mode', 'subspace', 'sweep'] as const;
export type FigureField = (typeof FIGURE_FIELDS)[number];

/** What a phase diagram colours its cells by. */
export const PHASE_METRICS = ['success_rate', 'stable_success_rate'] as const;

export type FigureSpec =
  | { readonly kind: 'phase'; readonly y: FigureField; readonly yScale: 'linear' | 'log'; readonly metric: (typeof PHASE_METRICS)[number]; readonly title?: string }
  | { readonly kind: 'success-curves'; readonly series: FigureField; readonly panel?: FigureField; readonly title?: string }
  | { readonly kind: 'error-curves'; readonly series: FigureField; readonly title?: string }
  | { readonly kind: 'error-histogram'; readonly title?: string }
  | { readonly kind: 'accuracy-curves'; readonly panel?: PracticalField; readonly title?: string }
  | { readonly kind: 'breakdown'; readonly y: 'subspace_inputs' | 'n_over_m'; readonly metric: 'success_rate' | 'restored_rate'; readonly title?: string }
  | { readonly kind: 'backdoor-bars'; readonly title?: string };

/** Summary columns the practical (MNIST, CIFAR-10) figures may split panels by. */
export const PRACTICAL_FIELDS = ['variant', 'solver', 'network', 'dataset', 'train_samples', 'subspace_inputs', 'poison_rate', 'sweep'] as const;
export type PracticalField = (typeof PRACTICAL_FIELDS)[number];

export interface SweepSpec {
  readonly description: string;
  /** Nested like the config; each leaf is a list, a range {start, stop, step|num[, scale]} or a single value. */
  readonly grid: Record<string, unknown>;
  readonly figures: readonly FigureSpec[];
}

export interface CommonConfig {
  readonly kind: string;
  readonly name: string;
  readonly description: string;
  readonly seed: number;
  readonly trials: number;
  readonly backend: BackendName;
  /** Parallel workers; 0 = one per core. Results do not depend on it. */
  readonly workers: number;
  readonly sweeps: Readonly<Record<string, SweepSpec>>;
}

const field: Schema = { kind: 'string', enum: FIGURE_FIELDS };
const title: Schema = { kind: 'string', default: '' };

const figure: Schema = {
  kind: 'union',
  tag: 'kind',
  variants: {
    phase: {
      kind: 'object',
      description: 'success-rate heatmap over corruption fraction (x) and y, with the l1 theory curve',
      fields: {
        kind: { kind: 'string' },
        y: field,
        yScale: { kind: 'string', enum: ['linear', 'log'], default: 'linear' },
        metric: { kind: 'string', enum: PHASE_METRICS, default: 'success_rate', description: 'exact success, or stable success (error within a factor of the distance to the subspace)' },
        title,
      },
    },
    'success-curves': {
      kind: 'object',
      description: 'success rate against corruption fraction, one line per series value',
      fields: { kind: { kind: 'string' }, series: field, panel: { ...field, default: 'sweep' }, title },
    },
    'error-curves': {
      kind: 'object',
      description: 'median relative error (log scale) against corruption fraction, one line per series value, with the off-subspace floor',
      fields: { kind: { kind: 'string' }, series: field, title },
    },
    'error-histogram': {
      kind: 'object',
      description: 'distribution of log10 relative errors with the success tolerance',
      fields: { kind: { kind: 'string' }, title },
    },
    'accuracy-curves': {
      kind: 'object',
      description: 'practical: clean / contaminated / purified test accuracy against corruption fraction, one line per variant',
      fields: { kind: { kind: 'string' }, panel: { kind: 'string', enum: PRACTICAL_FIELDS, default: 'sweep' }, title },
    },
    breakdown: {
      kind: 'object',
      description: 'practical: success heatmap over corruption fraction × benign inputs, with the measured boundary and the Gaussian l1 theory curve',
      fields: {
        kind: { kind: 'string' },
        y: { kind: 'string', enum: ['subspace_inputs', 'n_over_m'], default: 'n_over_m' },
        metric: { kind: 'string', enum: ['success_rate', 'restored_rate'], default: 'success_rate', description: 'exact recovery, or accuracy within the margin of clean' },
        title,
      },
    },
    'backdoor-bars': {
      kind: 'object',
      description: 'backdoor: clean accuracy and attack success rate before and after purification, next to fine-tuning',
      fields: { kind: { kind: 'string' }, title },
    },
  },
};

const sweep: ObjectSchema = {
  kind: 'object',
  fields: {
    description: { kind: 'string', default: '' },
    grid: { kind: 'any', default: {}, description: 'config keys to sweep, nested like the config' },
    figures: { kind: 'list', of: figure, default: [] },
  },
};

export function commonFields(kind: string): Record<string, Schema> {
  return {
    kind: { kind: 'string', enum: [kind], default: kind, description: 'experiment kind' },
    name: { kind: 'string', description: 'experiment name (defaults to the file name)' },
    description: { kind: 'string', default: '', description: 'one line shown by --list' },
    seed: { kind: 'number', integer: true, min: 0, max: 2 ** 32 - 1, default: 0, description: 'experiment seed; every trial seed derives from it' },
    trials: { kind: 'number', integer: true, min: 1, default: 5, description: 'independent trials per cell' },
    backend: { kind: 'string', enum: BACKENDS, default: 'wasm', description: 'tfjs backend' },
    workers: { kind: 'number', integer: true, min: 0, max: 64, default: 0, description: 'parallel workers (0 = one per core)' },
    sweeps: { kind: 'map', of: sweep, keyPattern: /^[A-Za-z0-9_-]+$/, minKeys: 1, description: 'named grids of cells' },
  };
}
