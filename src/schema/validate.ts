/**
 * Validating a value against a zod schema with the messages this project promises: every problem names its key
 * path and says what was expected and what was given ("expected an integer ≥ 1, got 0"; "unknown key 'widht'
 * (did you mean 'width'?); expected one of …"). What a key accepts is read off the failing schema's own JSON
 * Schema, so the message and the editor's schema (schemas/experiment.schema.json) can never disagree.
 */
import * as z from 'zod';
import { toJsonSchema, type JsonSchema } from './json.ts';

/** One problem with a config value: where (key path) and what was expected. */
export interface Issue {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

export type Validated<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly issues: readonly Issue[] };

/** Parse `value` with `schema`: the value with defaults filled in, or every problem found. */
export function validate<S extends z.ZodType>(schema: S, value: unknown): Validated<z.output<S>> {
  const result = schema.safeParse(value, { error: expectation });
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, issues: result.error.issues.flatMap((issue) => located(issue, [])) };
}

/**
 * The message of one raw zod issue. Unknown keys are reported later, one issue per key (zod reports them
 * together); here their message is the list of known keys, which `located` reads back.
 */
function expectation(iss: z.core.$ZodRawIssue): string | undefined {
  const js = jsonSchemaOf(iss.schema ?? iss.inst);
  switch (iss.code) {
    case 'unrecognized_keys':
      return Object.keys(js.properties ?? {}).join(KEY_SEPARATOR);
    case 'invalid_union':
      // Discriminated unions: the tag names no variant.
      if (iss.note === 'No matching discriminator') return `expected one of ${Array.isArray(iss.options) ? iss.options.join(', ') : '?'}, got ${show(tagOf(iss))}`;
      return undefined; // the branches' own issues are reported instead (see `located`)
    case 'custom':
      return undefined; // rules between keys bring their own message
    default:
      return iss.input === undefined ? `missing: expected ${describe(js)}` : `expected ${describe(js)}, got ${show(iss.input)}`;
  }
}

const KEY_SEPARATOR = ', ';

function tagOf(iss: z.core.$ZodRawIssue): unknown {
  const tag = iss.discriminator;
  return isPlainObject(iss.input) && typeof tag === 'string' ? iss.input[tag] : iss.input;
}

/** Final issues with their full paths: unknown keys one by one, and a union's failure by its closest branch. */
function located(issue: z.core.$ZodIssue, prefix: readonly PropertyKey[]): Issue[] {
  const path = [...prefix, ...issue.path].map(key);
  if (issue.code === 'unrecognized_keys') {
    const known = issue.message ? issue.message.split(KEY_SEPARATOR) : [];
    return issue.keys.map((k) => ({ path: [...path, k], message: unknownKey(k, known) }));
  }
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    // The branch that got furthest into the value says best what is wrong with it (ties: the first branch).
    const depth = (branch: readonly z.core.$ZodIssue[]) => Math.max(...branch.map((i) => i.path.length + (i.code === 'invalid_union' ? 1 : 0)));
    const best = issue.errors.reduce((a, b) => (depth(b) > depth(a) ? b : a));
    return best.flatMap((i) => located(i, path));
  }
  return [{ path, message: issue.message }];
}

function key(k: PropertyKey): string | number {
  return typeof k === 'number' ? k : String(k);
}

function jsonSchemaOf(schema: unknown): JsonSchema {
  if (!(schema instanceof z.ZodType)) return {};
  try {
    return toJsonSchema(schema);
  } catch {
    return {}; // a schema JSON Schema cannot express: the message then says less, but still names key and value
  }
}

/** The bounds z.int() adds on its own (safe integers): not worth saying. */
const SAFE = Number.MAX_SAFE_INTEGER;

/** Human description of what a schema accepts, e.g. "an integer ≥ 1", "a number in [0, 1]", "one of linearized, relu". */
export function describe(js: JsonSchema): string {
  if (js.enum) return `one of ${js.enum.join(', ')}`;
  if (js.const !== undefined) return JSON.stringify(js.const);
  const variants = js.anyOf ?? js.oneOf;
  if (variants) return variants.map(describe).join(' or ');
  switch (js.type) {
    case 'integer':
    case 'number': {
      const noun = js.type === 'integer' ? 'an integer' : 'a number';
      const exclusive = js.exclusiveMinimum !== undefined;
      const min = exclusive ? js.exclusiveMinimum : js.minimum !== undefined && js.minimum > -SAFE ? js.minimum : undefined;
      const max = js.maximum !== undefined && js.maximum < SAFE ? js.maximum : undefined;
      if (min !== undefined && max !== undefined) return `${noun} in ${exclusive ? '(' : '['}${min}, ${max}]`;
      return [noun, min !== undefined ? `${exclusive ? '>' : '≥'} ${min}` : '', max !== undefined ? `≤ ${max}` : ''].filter(Boolean).join(' ');
    }
    case 'string':
      return 'a string';
    case 'boolean':
      return 'true or false';
    case 'array':
      return `a list of ${js.items ? describe(js.items) : 'values'}`;
    case 'object':
      return js.properties ? `a mapping with keys ${Object.keys(js.properties).join(', ')}` : 'a mapping';
    default:
      return 'a value';
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A value as it appears in a message: strings quoted, long values cut. */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

export function formatPath(path: readonly (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('') || '(top level)';
}

function unknownKey(name: string, known: readonly string[]): string {
  const near = known.filter((k) => editDistance(k.toLowerCase(), name.toLowerCase()) <= Math.max(1, Math.floor(k.length / 3)));
  return `unknown key '${name}'${near.length ? ` (did you mean '${near[0]}'?)` : ''}; expected one of ${known.join(', ')}`;
}

/** Optimal-string-alignment distance: edits, with a swap of neighbours counting as one ('widht' → 'width'). */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}
