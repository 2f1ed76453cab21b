/**
 * The editor schemas (schemas/*.json) are generated from the kinds' own schemas and shipped: they must be up to
 * date, accept every shipped experiment and preset, and reject what the harness rejects (a misspelt key, a
 * wrong type), so a YAML language server flags the mistake as it is typed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { experimentFileSchema, presetSchemas } from '../src/config/json-schema.ts';
import { KINDS } from '../src/kinds/index.ts';

const ROOT = resolve(import.meta.dirname, '..');
const ajv = new Ajv2020({ strict: false, allErrors: true });
const committed = (path: string) => JSON.parse(readFileSync(join(ROOT, 'schemas', path), 'utf8'));
const validateExperiment = ajv.compile(committed('experiment.schema.json'));
const yamlFiles = (dir: string) => readdirSync(join(ROOT, dir)).filter((f) => f.endsWith('.yaml')).map((f) => join(ROOT, dir, f));
const read = (path: string) => parse(readFileSync(path, 'utf8'));
const valid = (value: unknown) => validateExperiment(value) === true;

describe('editor schemas', () => {
  it('are what `npm run schemas` writes from the kinds (rerun it after changing a schema)', () => {
    expect(committed('experiment.schema.json')).toEqual(JSON.parse(JSON.stringify(experimentFileSchema(KINDS))));
    for (const [group, schema] of Object.entries(presetSchemas(KINDS))) expect(committed(`presets/${group}.schema.json`)).toEqual(JSON.parse(JSON.stringify(schema)));
  });

  it('accept every shipped experiment, and every experiment file names its schema for the language server', () => {
    for (const file of yamlFiles('experiments')) {
      expect(valid(read(file)), `${basename(file)}: ${JSON.stringify(validateExperiment.errors?.slice(0, 3))}`).toBe(true);
      expect(readFileSync(file, 'utf8').split('\n')[0]).toBe('# yaml-language-server: $schema=../schemas/experiment.schema.json');
    }
  });

  it('accept every shipped preset against the schema of its group', () => {
    const groups = readdirSync(join(ROOT, 'configs'));
    expect(groups.length).toBeGreaterThan(5);
    for (const group of groups) {
      const validate = ajv.compile(committed(`presets/${group}.schema.json`));
      for (const file of yamlFiles(join('configs', group))) {
        expect(validate(read(file)), `${group}/${basename(file)}: ${JSON.stringify(validate.errors?.slice(0, 3))}`).toBe(true);
        expect(readFileSync(file, 'utf8').split('\n')[0]).toBe(`# yaml-language-server: $schema=../../schemas/presets/${group}.schema.json`);
      }
    }
  });

  it('reject a misspelt key, in a section and in a grid, and a value of the wrong type', () => {
    const base = read(join(ROOT, 'experiments', 'synthetic-sweep.yaml'));
    expect(valid(base)).toBe(true);
    expect(valid({ ...base, model: { widht: 3 } })).toBe(false);
    expect(valid({ ...base, modle: { width: 3 } })).toBe(false);
    expect(valid({ ...base, sweeps: { s: { grid: { model: { widht: [3, 4] } } } } })).toBe(false);
    expect(valid({ ...base, sweeps: { s: { grid: { model: { width: { start: 4, stop: 64, num: 5, scale: 'log' } } } } } })).toBe(true);
    expect(valid({ ...base, trials: 'two' })).toBe(false);
    expect(valid({ ...base, solver: { name: 'admm', maxIteration: 10 } })).toBe(false);
    expect(valid({ ...base, solver: { name: 'admm', maxIterations: 10 } })).toBe(true);
    const practical = read(join(ROOT, 'experiments', 'mnist-purify.yaml'));
    expect(valid({ ...practical, network: { kernal: 4 } })).toBe(false);
  });
});
