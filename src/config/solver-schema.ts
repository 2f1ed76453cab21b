/**
 * `solver:` in a config: a solver name, or a mapping with `name` and that solver's options. Every option has
 * a documented default, so `solver: highs` is a complete spec.
 */
import type { ObjectSchema, Schema, UnionSchema } from './schema.ts';

const polish: Schema = {
  kind: 'boolean',
  default: false,
  description: 'after solving, refit least squares on the coordinates with the smallest residuals',
};

function variant(description: string, fields: Record<string, Schema>): ObjectSchema {
  return { kind: 'object', description, fields: { name: { kind: 'string' }, ...fields } };
}

export const solverSchema: UnionSchema = {
  kind: 'union',
  tag: 'name',
  default: { name: 'highs' },
  description: 'how the l1 recovery problem is solved',
  variants: {
    highs: variant('exact LP in HiGHS (float64), the reference', {
      algorithm: { kind: 'string', enum: ['choose', 'simplex', 'ipm'], default: 'choose', description: 'HiGHS LP algorithm' },
      timeLimitSeconds: { kind: 'number', min: 0, exclusiveMin: true, default: 600, description: 'per problem' },
      polish,
    }),
    l2: variant('baseline: least-squares projection onto the subspace', {}),
    none: variant('baseline: no repair (θ^ = θ~)', {}),
  },
};
