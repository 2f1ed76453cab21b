/** The schema of a kind's figure requests, built from its figure kinds' own request schemas. */
import type * as z from 'zod';
import { oneOf } from '../schema/define.ts';

type Requests<F> = { readonly [K in keyof F]: F[K] extends { readonly request: infer Q extends z.ZodObject } ? Q : never };

/**
 * A union of the request schemas, tagged by `kind`: asking for a figure kind this experiment kind does not draw
 * is a config error that names the figure kinds it does.
 */
export function figureRequests<const F extends Readonly<Record<string, { readonly request: z.ZodObject }>>>(kind: string, figures: F) {
  // Each figure kind's request, under the same name; the mapped type says so where Object.fromEntries cannot.
  const requests = Object.fromEntries(Object.entries(figures).map(([name, f]) => [name, f.request])) as Requests<F>;
  return oneOf('kind', requests, (given, names) => `expected one of ${names.join(', ')} for kind '${kind}', got ${JSON.stringify(given)}`);
}
