// Figure rendering: a declarative vega-lite spec in, three files out (spec, SVG, PNG).
// No canvas is installed, so vega runs headless (renderer 'none') and resvg rasterises the SVG.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import { View, parse, Warn } from 'vega';
import { compile, type Config, type TopLevelSpec } from 'vega-lite';
import { BASE_CONFIG, FONT } from './figures/style.ts';
import { writeAtomic } from '../util/atomic.ts';

export interface RenderedFigure {
  svg: string;
  png: string;
  spec: string;
}

/** PNG scale factor: 2x keeps text crisp when the figure is shrunk into a paper column. */
const PNG_ZOOM = 2;

/** NaN in a coordinate attribute (not in aria-label text, where a missing tooltip value is harmless). */
const NAN_GEOMETRY = /\s(?:d|transform|x|y|x1|x2|y1|y2|width|height)="[^"]*NaN/;

const VALID_MARKS = new Set([
  'arc', 'area', 'bar', 'circle', 'geoshape', 'image', 'line', 'point', 'rect', 'rule', 'square',
  'text', 'tick', 'trail', 'boxplot', 'errorband', 'errorbar',
]);

/**
 * Render `spec` to `<dir>/<baseName>.{vl.json,svg,png}` and return the three paths.
 * Warnings from vega-lite or vega are treated as errors: they almost always mean a misspelt
 * field or channel, which would otherwise silently produce an empty or half-drawn figure.
 */
export async function renderFigure(spec: TopLevelSpec, dir: string, baseName: string): Promise<RenderedFigure> {
  const full = withBaseConfig(spec);
  const svg = await specToSvg(full, baseName);
  const png = svgToPng(svg);
  await mkdir(dir, { recursive: true });
  const paths = {
    spec: join(dir, `${baseName}.vl.json`),
    svg: join(dir, `${baseName}.svg`),
    png: join(dir, `${baseName}.png`),
  };
  // Atomic (temporary file + rename): a full disk or a kill never leaves a truncated figure under its final name.
  writeAtomic(paths.spec, JSON.stringify(full, null, 2) + '\n');
  writeAtomic(paths.svg, svg);
  writeAtomic(paths.png, png);
  return paths;
}

/** Compile and render to an SVG string; throws a descriptive Error on any problem. */
export async function specToSvg(bareSpec: TopLevelSpec, name = 'figure'): Promise<string> {
  const spec = withBaseConfig(bareSpec);
  assertSelfContained(spec, name);
  assertKnownMarks(spec, name);
  assertFieldsExist(spec, name);
  const problems: string[] = [];
  const view = new View(parse(compileOrThrow(spec, name, problems)), {
    renderer: 'none',
    logger: collectingLogger(problems),
    logLevel: Warn,
  });
  try {
    const svg = await view.toSVG();
    if (problems.length > 0) throw figureError(name, `vega reported: ${problems.join('; ')}`);
    // A field missing from the data reaches the SVG as NaN coordinates, sometimes without a warning.
    if (NAN_GEOMETRY.test(svg)) throw figureError(name, 'rendered SVG has NaN coordinates (a field name missing from the data?)');
    return svg;
  } finally {
    view.finalize();
  }
}

/** Rasterise with the same font family the SVG names, so PNG and SVG match. */
export function svgToPng(svg: string): Buffer {
  const resvg = new Resvg(svg, {
    font: { loadSystemFonts: true, defaultFontFamily: FONT, sansSerifFamily: FONT },
    fitTo: { mode: 'zoom', value: PNG_ZOOM },
    background: 'white',
  });
  return resvg.render().asPng();
}

/** Base config under the spec's own config (one level deep, so a spec can tweak e.g. title.fontSize only); idempotent. */
export function withBaseConfig(spec: TopLevelSpec): TopLevelSpec {
  const own: Config = spec.config ?? {};
  const merged: Record<string, unknown> = { ...BASE_CONFIG };
  for (const [key, value] of Object.entries(own)) {
    const base = merged[key];
    merged[key] = isPlainObject(base) && isPlainObject(value) ? { ...base, ...value } : value;
  }
  return { ...spec, config: merged as Config };
}

function compileOrThrow(spec: TopLevelSpec, name: string, problems: string[]) {
  let compiled;
  try {
    compiled = compile(spec, { logger: collectingLogger(problems) });
  } catch (err) {
    throw figureError(name, `vega-lite failed to compile the spec: ${(err as Error).message}`);
  }
  if (problems.length > 0) throw figureError(name, `vega-lite reported: ${problems.join('; ')}`);
  return compiled.spec;
}

function figureError(name: string, detail: string): Error {
  return new Error(`figure '${name}': ${detail}`);
}

// Figures are archived next to results, so they must not depend on files or URLs that may move.
function assertSelfContained(spec: unknown, name: string): void {
  walk(spec, (key, value) => {
    if (key === 'data' && isPlainObject(value) && 'url' in value) {
      throw figureError(name, `data must be inline (data.values), found url ${String(value.url)}`);
    }
  });
}

// vega-lite crashes with an opaque TypeError on an unknown mark; name the culprit instead.
function assertKnownMarks(spec: unknown, name: string): void {
  walk(spec, (key, value) => {
    if (key !== 'mark') return;
    const type = typeof value === 'string' ? value : isPlainObject(value) ? value.type : undefined;
    if (typeof type !== 'string' || !VALID_MARKS.has(type)) {
      throw figureError(name, `unknown mark type ${JSON.stringify(type)}`);
    }
  });
}

/** Transforms whose output field names cannot be read off the spec: skip the field check for them. */
const OPAQUE_TRANSFORMS = new Set(['pivot', 'density', 'quantile', 'regression', 'loess', 'flatten', 'extent', 'lookup']);

// A misspelt field usually renders as an empty or partly drawn chart with no warning at all, so check
// every referenced field against the inline rows plus the names that transforms create (`as`, fold).
function assertFieldsExist(spec: unknown, name: string): void {
  const available = new Set<string>();
  const referenced = new Set<string>();
  let opaque = false;
  walk(spec, (key, value) => {
    if (key === 'values' && Array.isArray(value)) {
      for (const row of value) if (isPlainObject(row)) for (const k of Object.keys(row)) available.add(k);
    } else if (key === 'as') {
      for (const out of [value].flat()) if (typeof out === 'string') available.add(out);
    } else if (key === 'fold') {
      available.add('key').add('value');
    } else if (OPAQUE_TRANSFORMS.has(key)) {
      opaque = true;
    } else if (key === 'field' && typeof value === 'string') {
      referenced.add(topLevelField(value));
    }
  });
  if (opaque) return;
  const missing = [...referenced].filter((f) => !available.has(f));
  if (missing.length > 0) {
    const known = [...available].sort().join(', ');
    throw figureError(name, `field(s) ${missing.map((f) => `'${f}'`).join(', ')} not in the data (fields: ${known})`);
  }
}

/** 'a.b' and 'a[0]' read nested values of field 'a'; '\\.' escapes a literal dot. */
function topLevelField(field: string): string {
  const match = field.match(/^(?:\\.|[^.[\\])+/);
  return (match ? match[0] : field).replace(/\\(.)/g, '$1');
}

/** Visit every (key, value) pair in the spec tree, skipping inline data rows (they can be large). */
function walk(node: unknown, visit: (key: string, value: unknown) => void): void {
  if (Array.isArray(node)) {
    for (const item of node) walk(item, visit);
    return;
  }
  if (!isPlainObject(node)) return;
  for (const [key, value] of Object.entries(node)) {
    visit(key, value);
    if (key !== 'values') walk(value, visit);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A vega LoggerInterface that records warnings and errors instead of printing them. */
function collectingLogger(sink: string[]) {
  const logger = {
    level(_?: number) {
      return logger;
    },
    error(...args: unknown[]) {
      sink.push(args.map(String).join(' '));
      return logger;
    },
    warn(...args: unknown[]) {
      sink.push(args.map(String).join(' '));
      return logger;
    },
    info() {
      return logger;
    },
    debug() {
      return logger;
    },
  };
  return logger;
}
