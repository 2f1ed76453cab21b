/**
 * The keys every experiment config has, whatever its kind: identity, seed, how many trials, where numbers are
 * computed, and the sweeps (grids of cells) with the figures drawn from them. A kind's schema is these keys plus
 * its own sections and its own figure kinds (`experimentSchema`), and its rules between keys (schema/define.ts, withRule).
 */
import * as z from 'zod';
import type { Shape } from '../schema/define.ts';
import { BACKENDS } from '../tensor/backend.ts';

/** A figure request as every kind's figures share it; each kind declares its figure kinds' own keys. */
const figureBase = z.looseObject({ kind: z.string(), title: z.string().optional() });

function sweep<F extends z.ZodType>(figure: F) {
  return z.strictObject({
    description: z.string().default('').describe('one line: what this grid varies'),
    grid: z.record(z.string(), z.unknown()).default(() => ({})).describe('config keys to sweep, nested like the config; a leaf is a list, a range {start, stop, step|num[, scale]} or a value'),
    figures: z.array(figure).default(() => []).describe('figures drawn from this sweep'),
  });
}

/** How `--launcher slurm` submits the sweep (never changes results, so a folder may be resumed with other values). */
const launcherSchema = z
  .strictObject({
    array: z.int().min(1).max(10000).optional().describe('shards: tasks of the SLURM array (--array N overrides)'),
    partition: z.string().min(1).optional().describe('sbatch --partition'),
    time: z.string().regex(/^[0-9:-]+$/, 'expected a SLURM time such as 30, 02:00:00 or 1-00:00:00').optional().describe('sbatch --time, per shard'),
    cpusPerTask: z.int().min(1).optional().describe('sbatch --cpus-per-task; each shard runs that many workers'),
    mem: z.string().regex(/^[0-9]+[KMGT]?$/, 'expected a SLURM memory size such as 4G').optional().describe('sbatch --mem, per shard'),
    account: z.string().min(1).optional().describe('sbatch --account'),
    qos: z.string().min(1).optional().describe('sbatch --qos'),
    extra: z.array(z.string().regex(/^--?[A-Za-z]/, 'expected an sbatch option such as --gres=gpu:1')).default(() => []).describe('further sbatch options, one per #SBATCH line'),
  })
  .describe('cluster submission (--launcher slurm)');

export type LauncherConfig = z.output<typeof launcherSchema>;

function commonFields<K extends string, F extends z.ZodType>(kind: K, figure: F) {
  return {
    kind: z.literal(kind).default(kind).describe('experiment kind'),
    name: z.string().describe('experiment name (defaults to the file name)'),
    description: z.string().default('').describe('one line shown by --list'),
    seed: z.int().min(0).max(2 ** 32 - 1).default(0).describe('experiment seed; every trial seed derives from it'),
    trials: z.int().min(1).default(5).describe('independent trials per cell'),
    backend: z.enum(BACKENDS).default('wasm').describe('tfjs backend (never falls back silently)'),
    workers: z.int().min(0).max(64).default(0).describe('parallel workers (0 = one per core); results do not depend on it'),
    launcher: launcherSchema.optional(),
    quick: z
      .record(z.string().regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, 'expected a dotted key path such as sweeps.by-width.grid.model.width'), z.unknown())
      .optional()
      .describe('the quick variant (npm run paper -- --quick): dotted key path → value, applied like --set; read from the experiment\'s own file only, never inherited'),
    sweeps: z
      .record(z.string().regex(/^[A-Za-z0-9_-]+$/, 'expected a sweep name of letters, digits, _ and -'), sweep(figure))
      .refine((sweeps) => Object.keys(sweeps).length > 0, 'expected at least one sweep')
      .describe('named grids of cells'),
  };
}

/** Keys of every config; a kind's other top-level keys are its sections (and preset groups). */
export const COMMON_KEYS: readonly string[] = Object.keys(commonFields('', figureBase));

const commonSchema = z.strictObject(commonFields('' as string, figureBase));

/** What the runner and the report layer read of any config. */
export type CommonConfig = Shape<typeof commonSchema>;
export type SweepSpec = CommonConfig['sweeps'][string];
export type FigureRequest = SweepSpec['figures'][number];

/**
 * The schema of a kind's resolved config: the common keys, the kind's `sections` and its figure requests (a union
 * tagged by `kind`, so a request for another kind's figure is a config error).
 */
export function experimentSchema<K extends string, S extends z.core.$ZodLooseShape, F extends z.ZodType<FigureRequest>>(kind: K, sections: S, figure: F) {
  return z.strictObject({ ...commonFields(kind, figure), ...sections });
}
