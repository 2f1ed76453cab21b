/**
 * Reading and composing config files, Hydra-style:
 *
 *   experiments/<name>.yaml      what to run: `defaults` (presets per group), `extends` (another experiment),
 *                                its own keys, and `sweeps`
 *   configs/<group>/<name>.yaml  reusable presets: the body of one section (model, data, solver, ...)
 *
 * Later layers override earlier ones: schema defaults < extended experiment < presets < the experiment's own
 * keys < --set overrides < --trials. Every leaf remembers which layer set it, so an invalid value is reported
 * against the file (or flag) it came from.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import { isScalar, LineCounter, parse as parseYaml, parseDocument, visit, YAMLParseError } from 'yaml';
import { ConfigError } from './errors.ts';
import { isPlainObject, show } from '../schema/validate.ts';

export type RawConfig = Record<string, unknown>;

/** A composed, not yet validated config and the source of each key path. */
export interface Composed {
  readonly raw: RawConfig;
  /** The experiment file the composition started from. */
  readonly file: string;
  readonly root: string;
  /** Dotted key path → the file or flag that set it last. */
  readonly sources: ReadonlyMap<string, string>;
}

export interface ComposeOptions {
  /** Project root holding experiments/ and configs/. */
  readonly root: string;
  /** A folder searched before `root` for experiments/<name> and configs/<group>/<name> (an installed CLI passes the current directory). */
  readonly userRoot?: string;
  /** `key.path=value` overrides, applied in order. */
  readonly sets?: readonly string[];
  readonly trials?: number;
  /** The user's directory, against which a config path on the command line resolves (default: the process's). */
  readonly cwd?: string;
  /** Apply the experiment file's own `quick:` block (its quick variant) after its keys, before `sets`. */
  readonly quick?: boolean;
  /** Top-level sections a preset may fill (`defaults: {group: preset}`): the kinds' sections. */
  readonly groups: readonly string[];
}

const EXTENSIONS = ['.yaml', '.yml', '.json'];

/**
 * `name` → experiments/name.yaml (in the user's folder first, then the package); anything that looks like a path
 * is taken as a path, resolved against `from` (the user's directory for the command line, the naming file's
 * folder inside a file).
 */
export function findExperiment(ref: string, root: string, from: string = process.cwd(), userRoot?: string): string {
  const looksLikePath = ref.includes('/') || ref.includes('\\') || EXTENSIONS.includes(extname(ref));
  if (looksLikePath) {
    const path = resolve(from, ref);
    if (!existsSync(path) || !statSync(path).isFile()) throw ConfigError.single(ref, [], `no such config file`);
    return path;
  }
  for (const base of searchPath(root, userRoot)) {
    for (const ext of EXTENSIONS) {
      const path = join(base, 'experiments', ref + ext);
      if (existsSync(path)) return path;
    }
  }
  const known = experimentNames(root);
  throw ConfigError.single(ref, [], `no experiment named '${ref}'; expected one of: ${known.join(', ')} (or a path to a .yaml/.json file)`);
}

/** Names of the experiment files under experiments/, sorted. */
export function experimentNames(root: string): string[] {
  const dir = join(root, 'experiments');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => EXTENSIONS.includes(extname(f)))
    .map((f) => basename(f, extname(f)))
    .sort();
}

/** The shipped experiments with their one-line descriptions (for --list); an unreadable file says so. */
export function listExperiments(root: string): { name: string; description: string }[] {
  return experimentNames(root).map((name) => {
    try {
      const raw = readConfigFile(findExperiment(name, root), `experiments/${name}`);
      return { name, description: typeof raw.description === 'string' ? raw.description : '' };
    } catch (err) {
      return { name, description: `(invalid: ${err instanceof Error ? err.message.split('\n').pop()!.trim() : String(err)})` };
    }
  });
}

/** A config is a few kilobytes; anything near this is a mistake (or an attack), refused before it is parsed. */
export const MAX_CONFIG_BYTES = 1_000_000;

/** Parse one YAML or JSON file into a mapping; syntax errors name the file and line. */
export function readConfigFile(path: string, label: string = path): RawConfig {
  const size = statSync(path).size;
  if (size > MAX_CONFIG_BYTES) throw ConfigError.single(label, [], `the file is ${size} bytes; a config may be at most ${MAX_CONFIG_BYTES} bytes`);
  const text = readFileSync(path, 'utf8');
  let value: unknown;
  try {
    value = extname(path) === '.json' ? JSON.parse(text) : parseYamlLinear(text);
  } catch (err) {
    const where = err instanceof YAMLParseError && err.linePos ? ` (line ${err.linePos[0].line}, column ${err.linePos[0].col})` : '';
    const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw ConfigError.single(label, [], `cannot parse${where}: ${message}`);
  }
  if (value === null || value === undefined) return {};
  if (!isPlainObject(value)) throw ConfigError.single(label, [], `expected a mapping at the top level, got ${show(value)}`);
  return value;
}

export function compose(ref: string, options: ComposeOptions): Composed {
  const file = findExperiment(ref, options.root, options.cwd, options.userRoot);
  const sources = new Map<string, string>();
  const raw = composeFile(file, { root: options.root, userRoot: options.userRoot, groups: options.groups, sources }, []);
  if (options.quick) for (const [path, value] of quickEntries(file, options.root)) setPath(raw, path.split('.'), value, `${displayPath(file, options.root)} quick.${path}`, sources);
  for (const assignment of options.sets ?? []) applySet(raw, assignment, sources);
  if (options.trials !== undefined) setPath(raw, ['trials'], options.trials, '--trials', sources);
  return { raw, file, root: options.root, sources };
}

interface Composing {
  readonly root: string;
  readonly userRoot?: string;
  readonly groups: readonly string[];
  readonly sources: Map<string, string>;
}

/**
 * Compose a config given as an object (the library's runExperiment) exactly as a file with that content would
 * be: `defaults` and `extends` are looked up as usual; `label` names it in error messages.
 */
export function composeObject(own: RawConfig, label: string, options: ComposeOptions): Composed {
  const sources = new Map<string, string>();
  const raw = composeBody(own, label, label, { root: options.root, userRoot: options.userRoot, groups: options.groups, sources }, []);
  for (const assignment of options.sets ?? []) applySet(raw, assignment, sources);
  if (options.trials !== undefined) setPath(raw, ['trials'], options.trials, '--trials', sources);
  return { raw, file: label, root: options.root, sources };
}

function composeFile(file: string, context: Composing, chain: string[]): RawConfig {
  const { root } = context;
  const label = displayPath(file, root);
  if (chain.includes(file)) throw ConfigError.single(label, ['extends'], `cycle: ${[...chain, file].map((f) => displayPath(f, root)).join(' → ')}`);
  return composeBody(readConfigFile(file, label), file, label, context, chain);
}

function composeBody(own: RawConfig, file: string, label: string, context: Composing, chain: string[]): RawConfig {
  const { root, sources } = context;
  // `quick` is not part of the config: it only changes the config when asked for (--quick), and never by inheritance.
  const { defaults, extends: parent, quick: _quick, ...body } = own;
  let raw: RawConfig = {};
  if (parent !== undefined) {
    if (typeof parent !== 'string') throw ConfigError.single(label, ['extends'], `expected an experiment name, got ${show(parent)}`);
    raw = composeFile(findExperimentFrom(parent, root, file, label, context.userRoot), context, [...chain, file]);
    delete raw.name;
    delete raw.description;
    if (body.sweeps !== undefined) clearPrefix(raw, 'sweeps', sources);
  }
  for (const [group, preset] of presetList(defaults, context.groups, label)) {
    const presetFile = findPreset(group, preset, searchPath(root, context.userRoot), label, dirname(file));
    const presetLabel = displayPath(presetFile, root);
    mergeInto(raw, { [group]: readConfigFile(presetFile, presetLabel) }, presetLabel, sources, []);
  }
  mergeInto(raw, body, label, sources, []);
  if (raw.name === undefined) raw.name = basename(file, extname(file));
  return raw;
}

/** The `quick:` block of one experiment file: dotted key path → value, in file order (empty when it has none). */
export function quickEntries(file: string, root: string): [string, unknown][] {
  const label = displayPath(file, root);
  const quick = readConfigFile(file, label).quick;
  if (quick === undefined || quick === null) return [];
  if (!isPlainObject(quick)) throw ConfigError.single(label, ['quick'], `expected a mapping of dotted key path to value, e.g. {trials: 2, sweeps.by-width.grid.model.width: [8, 32]}, got ${show(quick)}`);
  return Object.entries(quick).map(([path, value]) => {
    if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(path)) throw ConfigError.single(label, ['quick', path], 'expected a dotted key path such as sweeps.by-width.grid.model.width');
    if (path === 'name' || path === 'quick' || path.startsWith('quick.')) throw ConfigError.single(label, ['quick', path], 'the quick variant keeps the experiment\'s name and cannot set quick itself');
    return [path, value];
  });
}

/** `defaults` as a mapping {group: preset} (or a list of one-entry mappings), in order. */
function presetList(defaults: unknown, groups: readonly string[], label: string): [string, string][] {
  if (defaults === undefined) return [];
  const entries = Array.isArray(defaults) ? defaults.flatMap((d) => (isPlainObject(d) ? Object.entries(d) : [[d, undefined]])) : isPlainObject(defaults) ? Object.entries(defaults) : null;
  if (!entries) throw ConfigError.single(label, ['defaults'], `expected a mapping of group to preset name, e.g. {model: small-cnn}, got ${show(defaults)}`);
  return entries.map(([group, preset]) => {
    if (!groups.includes(String(group))) throw ConfigError.single(label, ['defaults', String(group)], `unknown preset group; expected one of ${groups.join(', ')}`);
    if (typeof preset !== 'string') throw ConfigError.single(label, ['defaults', String(group)], `expected a preset name, got ${show(preset)}`);
    return [String(group), preset];
  });
}

/** `extends:` inside `file`: a name, or a path relative to that file's folder; a missing one is blamed on `file`. */
function findExperimentFrom(parent: string, root: string, file: string, label: string, userRoot: string | undefined): string {
  try {
    return findExperiment(parent, root, dirname(file), userRoot);
  } catch (err) {
    if (err instanceof ConfigError) throw ConfigError.single(label, ['extends'], err.issues[0].message + (parent.includes('/') ? ` (${resolve(dirname(file), parent)})` : ''));
    throw err;
  }
}

/** The user's folder first (when given and different), then the project root. */
function searchPath(root: string, userRoot: string | undefined): string[] {
  return userRoot === undefined || resolve(userRoot) === resolve(root) ? [root] : [userRoot, root];
}

/** A preset name: letters, digits, `-` and `_`, with `/` only between such parts (a subgroup), never `..`. */
const PRESET_NAME = /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/;

/**
 * `defaults: {group: name}` → configs/<group>/<name>.yaml under the first of `roots` that has it; a path (with
 * its extension) resolves against `from`.
 */
function findPreset(group: string, name: string, roots: readonly string[], label: string, from: string): string {
  if (EXTENSIONS.includes(extname(name))) {
    const path = resolve(from, name);
    if (existsSync(path) && statSync(path).isFile()) return path;
    throw ConfigError.single(label, ['defaults', group], `no preset file ${path} (a path resolves against the folder of the file that names it)`);
  }
  if (!PRESET_NAME.test(name)) {
    throw ConfigError.single(label, ['defaults', group], `'${name}' is not a preset name (letters, digits, - and _, with / only inside configs/${group}/); a file outside configs/ is written as a path with its extension, e.g. ./my-${group}.yaml`);
  }
  for (const root of roots) {
    for (const ext of EXTENSIONS) {
      const path = join(root, 'configs', group, name + ext);
      if (existsSync(path)) return path;
    }
  }
  const known = [...new Set(roots.flatMap((root) => {
    const dir = join(root, 'configs', group);
    return existsSync(dir) ? readdirSync(dir).filter((f) => EXTENSIONS.includes(extname(f))).map((f) => basename(f, extname(f))) : [];
  }))];
  throw ConfigError.single(label, ['defaults', group], `no preset '${name}' in configs/${group}/; expected one of: ${known.join(', ') || '(none)'}`);
}

/** Deep merge: mappings merge key by key, everything else (numbers, strings, lists) replaces. */
function mergeInto(target: RawConfig, source: RawConfig, label: string, sources: Map<string, string>, path: string[]): void {
  for (const [key, value] of Object.entries(source)) {
    const here = [...path, key];
    if (isPlainObject(value) && isPlainObject(target[key])) {
      mergeInto(target[key] as RawConfig, value, label, sources, here);
    } else {
      clearPrefix(target, key, sources, path);
      target[key] = structuredClone(value);
      recordSources(value, here, label, sources);
    }
  }
}

function recordSources(value: unknown, path: string[], label: string, sources: Map<string, string>): void {
  sources.set(path.join('.'), label);
  if (isPlainObject(value)) for (const [k, v] of Object.entries(value)) recordSources(v, [...path, k], label, sources);
}

/** Forget `key` and the sources of everything under it (only a mapping has anything under it: linear in the config). */
function clearPrefix(target: RawConfig, key: string, sources: Map<string, string>, path: string[] = []): void {
  const old = target[key];
  delete target[key];
  const prefix = [...path, key].join('.');
  sources.delete(prefix);
  if (isPlainObject(old)) for (const p of [...sources.keys()]) if (p.startsWith(prefix + '.')) sources.delete(p);
}

/**
 * YAML in time linear in its size. The yaml package's own duplicate-key check compares every key with every
 * earlier one (quadratic: 20k keys took 12 s), so it is switched off and duplicates are found with a set.
 */
function parseYamlLinear(text: string): unknown {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { uniqueKeys: false, lineCounter });
  if (doc.errors.length) throw doc.errors[0];
  visit(doc, {
    Map(_, map) {
      const seen = new Set<string>();
      for (const item of map.items) {
        const key = isScalar(item.key) ? String(item.key.value) : String(item.key);
        if (seen.has(key)) {
          const at = isScalar(item.key) && item.key.range ? lineCounter.linePos(item.key.range[0]) : undefined;
          throw new Error(`key '${key}' appears twice in one mapping${at ? ` (line ${at.line}, column ${at.col})` : ''}`);
        }
        seen.add(key);
      }
    },
  });
  return doc.toJS();
}

/** `--set a.b.c=value`: the value is read as YAML, so numbers, lists and mappings work. */
export function applySet(raw: RawConfig, assignment: string, sources: Map<string, string>): void {
  const label = `--set ${assignment}`;
  const eq = assignment.indexOf('=');
  if (eq <= 0) throw ConfigError.single(label, [], `expected key.path=value`);
  const path = assignment.slice(0, eq).trim().split('.');
  if (path.some((p) => p === '')) throw ConfigError.single(label, [], `expected a dotted key path such as model.width, got '${assignment.slice(0, eq)}'`);
  const text = assignment.slice(eq + 1);
  // An empty value would read as null, which means "not given": the schema default would silently apply.
  if (text.trim() === '') throw ConfigError.single(label, path, `expected a value after '='; to use the default, leave --set ${path.join('.')} out (an empty string is written '')`);
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch {
    value = text;
  }
  setPath(raw, path, value, label, sources);
}

function setPath(raw: RawConfig, path: string[], value: unknown, label: string, sources: Map<string, string>): void {
  let node = raw;
  path.slice(0, -1).forEach((key, depth) => {
    // `solver: admm` then `--set solver.maxIterations=500`: a name shorthand becomes {name: admm, ...}.
    if (typeof node[key] === 'string') node[key] = { name: node[key] };
    if (!isPlainObject(node[key])) {
      // `--set model.width.foo=3` replaces a value with a mapping: the flag, not the file, now owns that key.
      clearPrefix(node, key, sources, path.slice(0, depth));
      node[key] = {};
      sources.set(path.slice(0, depth + 1).join('.'), label);
    }
    node = node[key] as RawConfig;
  });
  const last = path[path.length - 1];
  const parent = path.slice(0, -1);
  if (isPlainObject(value) && isPlainObject(node[last])) mergeInto(node[last] as RawConfig, value, label, sources, path);
  else mergeInto(node, { [last]: value }, label, sources, parent);
}

/** The source recorded for `path` or its nearest ancestor, else the experiment file. */
export function sourceOf(composed: Composed, path: readonly (string | number)[]): string {
  for (let n = path.length; n > 0; n--) {
    const hit = composed.sources.get(path.slice(0, n).join('.'));
    if (hit) return hit;
  }
  return displayPath(composed.file, composed.root);
}

export function displayPath(file: string, root: string): string {
  const rel = relative(root, file);
  return rel && !rel.startsWith('..') ? rel : file;
}
