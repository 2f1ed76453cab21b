/**
 * JSON Schemas of the files users write, derived from the kinds' own schemas (so they cannot drift):
 *
 *   schemas/experiment.schema.json      experiments/*.yaml: any kind's keys, `defaults` and `extends`, and sweep
 *                                       grids nested like the config whose leaves are a value, a list or a range
 *   schemas/presets/<group>.schema.json configs/<group>/*.yaml: the body of that section, for any kind that has it
 *
 * An editor with a YAML language server validates and completes a file as it is typed when the file names its
 * schema in a first-line comment (`# yaml-language-server: $schema=../schemas/experiment.schema.json`).
 * In a file every key is optional (presets, `extends` and defaults may fill it); the resolved config is checked
 * in full when it runs.
 */
import type { KindRegistry } from '../core/kind.ts';
import { toJsonSchema, type JsonSchema } from '../schema/json.ts';
import { presetGroups } from './groups.ts';

const DRAFT = 'https://json-schema.org/draft/2020-12/schema';

/** The schema of an experiment file of any of `kinds`. */
export function experimentFileSchema(kinds: KindRegistry): JsonSchema {
  const groups = presetGroups(Object.values(kinds));
  return shareRepeated({
    $schema: DRAFT,
    title: 'purify-cnn experiment',
    description: 'An experiment (experiments/<name>.yaml): what to run, composed from presets (configs/<group>/<name>.yaml) and other experiments. `npm run experiment -- <name> --dry-run` validates it in full.',
    anyOf: Object.values(kinds).map((kind) => {
      const { $schema: _draft, required: _required, properties = {}, ...rest } = toJsonSchema(kind.schema);
      return {
        ...rest,
        title: `kind: ${kind.name}`,
        properties: {
          defaults: {
            description: 'presets applied in order before the keys of this file: {group: preset name in configs/<group>/}',
            anyOf: [
              { type: 'object', propertyNames: { enum: groups }, additionalProperties: { type: 'string' } },
              { type: 'array', items: { type: 'object', propertyNames: { enum: groups }, additionalProperties: { type: 'string' } } },
            ],
          },
          extends: { type: 'string', description: 'another experiment (by name) whose keys this one starts from' },
          ...withSweepGrids(properties),
        },
      };
    }),
  });
}

/** One schema per preset group: the body of that section, for every kind that has the section. */
export function presetSchemas(kinds: KindRegistry): Record<string, JsonSchema> {
  const out: Record<string, JsonSchema> = {};
  for (const group of presetGroups(Object.values(kinds))) {
    const bodies = Object.values(kinds).flatMap((kind) => {
      const section = toJsonSchema(kind.schema).properties?.[group];
      return section ? [{ title: `${group} of kind ${kind.name}`, ...withoutDefault(section) }] : [];
    });
    out[group] = { $schema: DRAFT, title: `purify-cnn preset: ${group}`, description: `configs/${group}/<name>.yaml: the body of the ${group} section`, anyOf: unique(bodies) };
  }
  return out;
}

/** The config's properties with each sweep's `grid` described key by key. */
function withSweepGrids(properties: Readonly<Record<string, JsonSchema>>): Record<string, JsonSchema> {
  const sweeps = properties.sweeps;
  const sweep = typeof sweeps?.additionalProperties === 'object' ? sweeps.additionalProperties : undefined;
  if (!sweeps || !sweep?.properties) return { ...properties };
  const { sweeps: _sweeps, ...configurable } = properties;
  const grid = { ...withoutDefault(sweep.properties.grid ?? {}), ...gridOf(configurable) };
  // sweeps last: the keys of the config read first, and name what the grids share with them.
  return { ...configurable, sweeps: { ...sweeps, additionalProperties: { ...sweep, properties: { ...sweep.properties, grid } } } };
}

/** A grid: nested like the config, each leaf a value, a non-empty list of values, or (numbers) a range. */
function gridOf(properties: Readonly<Record<string, JsonSchema>>): JsonSchema {
  const entries = Object.entries(properties).map(([key, node]) => [key, isSection(node) ? gridOf(node.properties ?? {}) : axisOf(node)]);
  return { type: 'object', additionalProperties: false, properties: Object.fromEntries(entries) };
}

function isSection(node: JsonSchema): boolean {
  return node.type === 'object' && node.properties !== undefined;
}

const RANGE: JsonSchema = {
  type: 'object',
  description: 'a range: {start, stop, step} (both ends included) or {start, stop, num[, scale: linear|log]}',
  additionalProperties: false,
  required: ['start', 'stop'],
  properties: {
    start: { type: 'number' },
    stop: { type: 'number' },
    step: { type: 'number', exclusiveMinimum: 0 },
    num: { type: 'integer', minimum: 1 },
    scale: { enum: ['linear', 'log'] },
  },
};

function axisOf(node: JsonSchema): JsonSchema {
  const value = withoutDefault(node);
  const numeric = node.type === 'number' || node.type === 'integer';
  return {
    ...(node.description ? { description: node.description } : {}),
    anyOf: [value, { type: 'array', minItems: 1, items: value }, ...(numeric ? [RANGE] : [])],
  };
}

function withoutDefault(node: JsonSchema): JsonSchema {
  const { default: _default, ...rest } = node;
  return rest;
}

/**
 * Every subschema that stands more than once (the solver union in each kind, in its config and its grids) moved
 * to `$defs` once and referenced, named after the key it first stands under. Keeps the file small to read and load.
 */
function shareRepeated(root: JsonSchema): JsonSchema {
  const counts = new Map<string, number>();
  eachSubschema(root, (node) => {
    const text = JSON.stringify(node);
    if (text.length >= 400) counts.set(text, (counts.get(text) ?? 0) + 1);
  });
  const defs: Record<string, JsonSchema> = {};
  const names = new Map<string, string>();
  const share = (node: JsonSchema, path: readonly string[]): JsonSchema => {
    const text = JSON.stringify(node);
    if ((counts.get(text) ?? 0) <= 1) return mapSubschemas(node, path, share);
    if (!names.has(text)) {
      const base = path.join('.') || 'schema';
      let name = base;
      for (let i = 2; name in defs; i++) name = `${base}-${i}`;
      names.set(text, name);
      defs[name] = {}; // reserve the name before the body, which may share further subschemas
      defs[name] = mapSubschemas(node, path, share);
    }
    return { $ref: `#/$defs/${names.get(text)}` };
  };
  return { ...mapSubschemas(root, [], share), $defs: defs };
}

type Visit = (node: JsonSchema, path: readonly string[]) => JsonSchema;

/**
 * `node` with `visit` applied to each of its direct subschemas, each with the key path that names it: under
 * properties the property's name, in a union the variant's tag (solver.admm); the kinds at the top stay unnamed,
 * as what they share is shared.
 */
function mapSubschemas(node: JsonSchema, path: readonly string[], visit: Visit): JsonSchema {
  const out: Record<string, unknown> = { ...node };
  if (node.properties) out.properties = Object.fromEntries(Object.entries(node.properties).map(([k, v]) => [k, visit(v, [...path, k])]));
  for (const k of ['anyOf', 'oneOf'] as const) {
    const variants = node[k];
    if (variants) out[k] = variants.map((v) => visit(v, path.length ? [...path, tagOf(v)].filter(Boolean) : path));
  }
  if (node.items) out.items = visit(node.items, path);
  if (typeof node.additionalProperties === 'object') out.additionalProperties = visit(node.additionalProperties, path);
  return out;
}

function eachSubschema(node: JsonSchema, f: (node: JsonSchema) => void): void {
  mapSubschemas(node, [], (child) => {
    f(child);
    eachSubschema(child, f);
    return child;
  });
}

/** The tag of a union variant (a solver's name, a figure's kind), to name it by. */
function tagOf(node: unknown): string {
  const properties = (node as JsonSchema | null)?.properties;
  const tag = properties?.name?.const ?? properties?.kind?.const;
  return typeof tag === 'string' ? tag : '';
}

function unique(schemas: readonly JsonSchema[]): JsonSchema[] {
  const seen = new Map<string, JsonSchema>();
  for (const s of schemas) {
    const { title: _title, ...body } = s;
    const key = JSON.stringify(body);
    if (!seen.has(key)) seen.set(key, s);
  }
  return [...seen.values()];
}
