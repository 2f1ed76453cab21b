/** The experiment kinds and the schema each is validated against. `kind` in a config picks one. */
import type { ObjectSchema } from './schema.ts';
import { syntheticSchema, type SyntheticConfig } from './synthetic-schema.ts';
import { backdoorSchema, practicalSchema, type BackdoorConfig, type PracticalConfig } from './practical-schema.ts';

export const EXPERIMENT_KINDS = {
  synthetic: syntheticSchema,
  practical: practicalSchema,
  backdoor: backdoorSchema,
} satisfies Record<string, ObjectSchema>;

export type ExperimentKind = keyof typeof EXPERIMENT_KINDS;
export type ExperimentConfig = SyntheticConfig | PracticalConfig | BackdoorConfig;
