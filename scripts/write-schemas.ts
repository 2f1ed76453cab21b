/**
 * npm run schemas: write schemas/experiment.schema.json and schemas/presets/<group>.schema.json from the kinds'
 * own schemas (src/config/json-schema.ts). A test fails when the committed files differ from what this writes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { experimentFileSchema, presetSchemas } from '../src/config/json-schema.ts';
import { KINDS } from '../src/kinds/index.ts';

const ROOT = resolve(import.meta.dirname, '..');
const text = (schema: object) => JSON.stringify(schema, null, 2) + '\n';

mkdirSync(join(ROOT, 'schemas', 'presets'), { recursive: true });
writeFileSync(join(ROOT, 'schemas', 'experiment.schema.json'), text(experimentFileSchema(KINDS)));
for (const [group, schema] of Object.entries(presetSchemas(KINDS))) writeFileSync(join(ROOT, 'schemas', 'presets', `${group}.schema.json`), text(schema));
console.log(`wrote ${join(ROOT, 'schemas')}`);
