/** The experiment kinds and the schema each is validated against. `kind` in a config picks one. */
import type { ObjectSchema } from './schema.ts';
import { syntheticSchema, type SyntheticConfig } from './synthetic-schema.ts';

export const EXPERIMENT_KINDS = {
  synthetic: syntheticSchema,
} satisfies Record<string, ObjectSchema>;

export type ExperimentKind = keyof typeof EXPERIMENT_KINDS;
export type ExperimentConfig = SyntheticConfig;
