/** The preset groups of a set of kinds: the sections a preset file (configs/<group>/<name>.yaml) may fill. */
import { COMMON_KEYS } from '../core/config.ts';
import type { ExperimentKind } from '../core/kind.ts';
import { toJsonSchema } from '../schema/json.ts';

/** Every top-level key of the kinds' configs but the common ones, in order of first appearance. */
export function presetGroups(kinds: readonly ExperimentKind[]): string[] {
  const keys = kinds.flatMap((k) => Object.keys(toJsonSchema(k.schema).properties ?? {}));
  return [...new Set(keys)].filter((k) => !COMMON_KEYS.includes(k));
}
