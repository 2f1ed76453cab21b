/**
 * A small declarative schema language for configs. A schema describes what a key may hold, its default and a
 * one-line description (used by `--help` and the docs); `validate` walks a value against it and returns the
 * value with defaults filled in, plus every problem found, each with the key path it concerns.
 */

export type Schema =
  | NumberSchema
  | StringSchema
  | BooleanSchema
  | ObjectSchema
  | UnionSchema
  | ListSchema
  | MapSchema
  | AnySchema;

interface Common {
  readonly description?: string;
  /** Filled in when the key is absent. A key without default is required. */
  readonly default?: unknown;
}

export interface NumberSchema extends Common {
  readonly kind: 'number';
  readonly integer?: boolean;
  readonly min?: number;
  readonly max?: number;
  /** When set, `min` is excluded (value must be > min). */
  readonly exclusiveMin?: boolean;
}

export interface StringSchema extends Common {
  readonly kind: 'string';
  readonly enum?: readonly string[];
}

export interface BooleanSchema extends Common {
  readonly kind: 'boolean';
}

export interface ObjectSchema extends Common {
  readonly kind: 'object';
  readonly fields: Readonly<Record<string, Schema>>;
  /** Cross-field rules, run once the fields themselves are valid. */
  readonly check?: (value: Record<string, unknown>) => Issue[];
}

/** Objects told apart by the value of one tag field (e.g. a solver's `name`). */
export interface UnionSchema extends Common {
  readonly kind: 'union';
  readonly tag: string;
  readonly variants: Readonly<Record<string, ObjectSchema>>;
}

export interface ListSchema extends Common {
  readonly kind: 'list';
  readonly of: Schema;
  readonly minItems?: number;
}

/** An object with free keys (names chosen by the user), all values of one schema. */
export interface MapSchema extends Common {
  readonly kind: 'map';
  readonly of: Schema;
  readonly keyPattern?: RegExp;
  readonly minKeys?: number;
}

/** Accepted as is; checked elsewhere (e.g. sweep grids, which are checked against the schema of what they set). */
export interface AnySchema extends Common {
  readonly kind: 'any';
}

/** One problem with a config value: where (key path) and what was expected. */
export interface Issue {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

export interface Validated<T = unknown> {
  readonly value: T;
  readonly issues: Issue[];
}

export function validate(schema: Schema, value: unknown, path: readonly (string | number)[] = []): Validated {
  switch (schema.kind) {
    case 'number':
      return validateNumber(schema, value, path);
    case 'string':
      return typeof value === 'string' && (!schema.enum || schema.enum.includes(value))
        ? ok(value)
        : bad(path, `expected ${describe(schema)}, got ${show(value)}`);
    case 'boolean':
      return typeof value === 'boolean' ? ok(value) : bad(path, `expected true or false, got ${show(value)}`);
    case 'object':
      return validateObject(schema, value, path);
    case 'union':
      return validateUnion(schema, value, path);
    case 'list':
      return validateList(schema, value, path);
    case 'map':
      return validateMap(schema, value, path);
    case 'any':
      return ok(value);
  }
}

function validateNumber(schema: NumberSchema, value: unknown, path: readonly (string | number)[]): Validated {
  if (typeof value !== 'number' || !Number.isFinite(value)) return bad(path, `expected ${describe(schema)}, got ${show(value)}`);
  const tooSmall = schema.min !== undefined && (schema.exclusiveMin ? value <= schema.min : value < schema.min);
  const tooLarge = schema.max !== undefined && value > schema.max;
  if ((schema.integer && !Number.isInteger(value)) || tooSmall || tooLarge) {
    return bad(path, `expected ${describe(schema)}, got ${show(value)}`);
  }
  return ok(value);
}

function validateObject(schema: ObjectSchema, value: unknown, path: readonly (string | number)[]): Validated {
  if (!isPlainObject(value)) return bad(path, `expected a mapping with keys ${Object.keys(schema.fields).join(', ')}, got ${show(value)}`);
  const issues: Issue[] = [];
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    if (!(key in schema.fields)) issues.push({ path: [...path, key], message: unknownKey(key, Object.keys(schema.fields)) });
  }
  for (const [key, field] of Object.entries(schema.fields)) {
    const given = value[key];
    if (given === undefined || given === null) {
      if (field.default !== undefined) out[key] = fillDefaults(field, structuredClone(field.default));
      else if (field.kind === 'object') {
        // A section may be left out when every key in it has a default.
        const section = validate(field, {}, [...path, key]);
        issues.push(...section.issues);
        out[key] = section.value;
      } else issues.push({ path: [...path, key], message: `missing: expected ${describe(field)}` });
      continue;
    }
    const result = validate(field, given, [...path, key]);
    issues.push(...result.issues);
    out[key] = result.value;
  }
  if (issues.length === 0 && schema.check) {
    for (const issue of schema.check(out)) issues.push({ path: [...path, ...issue.path], message: issue.message });
  }
  return { value: out, issues };
}

function validateUnion(schema: UnionSchema, value: unknown, path: readonly (string | number)[]): Validated {
  const names = Object.keys(schema.variants);
  if (typeof value === 'string' && value in schema.variants) value = { [schema.tag]: value };
  if (!isPlainObject(value)) return bad(path, `expected one of ${names.join(', ')} (a name or a mapping with '${schema.tag}'), got ${show(value)}`);
  const tag = value[schema.tag];
  if (typeof tag !== 'string' || !(tag in schema.variants)) {
    return bad([...path, schema.tag], `expected one of ${names.join(', ')}, got ${show(tag)}`);
  }
  return validateObject(schema.variants[tag], value, path);
}

function validateList(schema: ListSchema, value: unknown, path: readonly (string | number)[]): Validated {
  if (!Array.isArray(value)) return bad(path, `expected a list of ${describe(schema.of)}, got ${show(value)}`);
  if (schema.minItems !== undefined && value.length < schema.minItems) {
    return bad(path, `expected at least ${schema.minItems} item(s), got ${value.length}`);
  }
  const results = value.map((item, i) => validate(schema.of, item, [...path, i]));
  return { value: results.map((r) => r.value), issues: results.flatMap((r) => r.issues) };
}

function validateMap(schema: MapSchema, value: unknown, path: readonly (string | number)[]): Validated {
  if (!isPlainObject(value)) return bad(path, `expected a mapping of names to ${describe(schema.of)}, got ${show(value)}`);
  const issues: Issue[] = [];
  const out: Record<string, unknown> = {};
  const keys = Object.keys(value);
  if (schema.minKeys !== undefined && keys.length < schema.minKeys) issues.push({ path, message: `expected at least ${schema.minKeys} entr${schema.minKeys === 1 ? 'y' : 'ies'}` });
  for (const key of keys) {
    if (schema.keyPattern && !schema.keyPattern.test(key)) {
      issues.push({ path: [...path, key], message: `name '${key}' must match ${schema.keyPattern}` });
      continue;
    }
    const result = validate(schema.of, value[key], [...path, key]);
    issues.push(...result.issues);
    out[key] = result.value;
  }
  return { value: out, issues };
}

/** Defaults of a nested object default are themselves completed (e.g. a default solver spec). */
function fillDefaults(schema: Schema, value: unknown): unknown {
  return schema.kind === 'object' || schema.kind === 'union' ? validate(schema, value).value : value;
}

/** The schema reached by following `path` through objects (and union variants, by the tag value in `config`). */
export function schemaAt(schema: Schema, path: readonly string[]): Schema | undefined {
  let node: Schema | undefined = schema;
  for (const key of path) {
    if (!node) return undefined;
    if (node.kind === 'object') node = node.fields[key];
    else if (node.kind === 'map') node = node.of;
    else return undefined;
  }
  return node;
}

/** Human description of what a schema accepts, e.g. "an integer ≥ 1", "one of linearized, relu". */
export function describe(schema: Schema): string {
  switch (schema.kind) {
    case 'number': {
      const noun = schema.integer ? 'an integer' : 'a number';
      const lo = schema.min !== undefined ? `${schema.exclusiveMin ? '>' : '≥'} ${schema.min}` : '';
      const hi = schema.max !== undefined ? `≤ ${schema.max}` : '';
      if (lo && hi) return `${noun} in ${schema.exclusiveMin ? '(' : '['}${schema.min}, ${schema.max}]`;
      return [noun, lo, hi].filter(Boolean).join(' ');
    }
    case 'string':
      return schema.enum ? `one of ${schema.enum.join(', ')}` : 'a string';
    case 'boolean':
      return 'true or false';
    case 'object':
      return 'a mapping';
    case 'union':
      return `one of ${Object.keys(schema.variants).join(', ')}`;
    case 'list':
      return `a list of ${describe(schema.of)}`;
    case 'map':
      return 'a mapping of names';
    case 'any':
      return 'a value';
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

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

function unknownKey(key: string, known: string[]): string {
  const near = known.filter((k) => editDistance(k.toLowerCase(), key.toLowerCase()) <= Math.max(1, Math.floor(k.length / 3)));
  return `unknown key '${key}'${near.length ? ` (did you mean '${near[0]}'?)` : ''}; expected one of ${known.join(', ')}`;
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

function ok(value: unknown): Validated {
  return { value, issues: [] };
}

function bad(path: readonly (string | number)[], message: string): Validated {
  return { value: undefined, issues: [{ path, message }] };
}
