/**
 * Helpers for declaring config shapes with zod. A shape is declared once, as a schema with its defaults and a
 * one-line description per key; its TypeScript type is derived from it (`Shape<typeof schema>`), and so is the
 * JSON Schema editors validate experiment files with.
 */
import * as z from 'zod';
import { isPlainObject, type Issue } from './validate.ts';

/** The resolved (defaults filled in), read-only form of what a schema accepts. */
export type Shape<S extends z.ZodType> = DeepReadonly<z.output<S>>;

export type DeepReadonly<T> = T extends readonly (infer E)[]
  ? readonly DeepReadonly<E>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** The resolved form of a kind's sections (keys declared optional stay optional). */
export type SectionsShape<S extends z.core.$ZodLooseShape> = Shape<z.ZodObject<S, z.core.$strict>>;

/** A section of a config: a mapping with known keys only, which may be left out when every key has a default. */
export function section<S extends z.core.$ZodLooseShape>(description: string, fields: S) {
  // Left out, a section is validated as {}: its defaults fill it, and a key without one is reported missing.
  return z.strictObject(fields).describe(description).prefault({} as z.input<z.ZodObject<S, z.core.$strict>>);
}

/**
 * A rule between keys (e.g. the patches must divide the input), run once everything else about the value is
 * valid, so a rule may rely on every key having its declared type. Its issues are relative to the value.
 */
export function withRule<S extends z.ZodType>(schema: S, rule: (value: z.output<S>) => readonly Issue[]): S {
  return schema.check((ctx) => {
    if (ctx.issues.length > 0) return;
    for (const issue of rule(ctx.value)) ctx.issues.push({ code: 'custom', message: issue.message, path: [...issue.path], input: ctx.value });
  });
}

/**
 * Each field of `shape` with its default from `defaults`, whose type is read off the shape: for options that
 * several schemas share with different defaults (the first-order solvers'), the names are written once.
 */
export function withDefaults<const S extends Readonly<Record<string, z.ZodType>>>(shape: S, defaults: { readonly [K in keyof S]: z.output<S[K]> }) {
  // Field by field, under the same name; the mapped type says so where Object.fromEntries cannot.
  return Object.fromEntries(Object.entries(shape).map(([key, field]) => [key, field.default(Reflect.get(defaults, key))])) as { [K in keyof S]: z.ZodDefault<S[K]> };
}

/** Variants told apart by the value of one tag key, given as a record tag value → strict object schema. */
type Variants = Readonly<Record<string, z.ZodObject>>;

/**
 * A discriminated union over `tag` from a record of variants. `noMatch` words the error for a tag that names
 * no variant (default: "expected one of …").
 */
export function oneOf<const V extends Variants>(tag: string, variants: V, noMatch?: (given: unknown, names: readonly string[]) => string) {
  // zod types a union by the tuple of its variants; a record's values are that tuple in declaration order.
  const options = Object.values(variants) as [V[keyof V], ...V[keyof V][]];
  const names = Object.keys(variants);
  return z.discriminatedUnion(tag, options, {
    error: (iss) => (iss.code === 'invalid_union' && noMatch ? noMatch(tagValue(iss.input, tag), names) : undefined),
  });
}

/**
 * `oneOf` that also accepts a bare tag value as shorthand for the variant with every other key at its default:
 * `solver: admm` is `solver: {name: admm}`.
 */
export function oneOfByName<const V extends Variants>(tag: string, variants: V) {
  const union = oneOf(tag, variants);
  const names = Object.keys(variants) as [Extract<keyof V, string>, ...Extract<keyof V, string>[]];
  return z.union([z.enum(names), union]).transform((value) => (typeof value === 'string' ? union.parse({ [tag]: value }) : value));
}

function tagValue(input: unknown, tag: string): unknown {
  return isPlainObject(input) ? input[tag] : input;
}
