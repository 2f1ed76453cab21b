/** The version a result names (manifest.json) is the one the citation and the changelog describe. */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { harnessVersion } from '../src/runner/manifest.ts';

const ROOT = resolve(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

describe('release metadata', () => {
  it('manifests, CITATION.cff and CHANGELOG.md name the version in package.json', () => {
    expect(harnessVersion(ROOT)).toBe(pkg.version);
    const citation = parse(readFileSync(join(ROOT, 'CITATION.cff'), 'utf8'));
    expect(citation.version).toBe(pkg.version);
    expect(citation.license).toBe(pkg.license);
    expect(readFileSync(join(ROOT, 'CHANGELOG.md'), 'utf8')).toContain(`## [${pkg.version}]`);
  });

  it('CITATION.cff cites the software and the paper it reproduces, with its arXiv id', () => {
    const citation = parse(readFileSync(join(ROOT, 'CITATION.cff'), 'utf8'));
    expect(citation['cff-version']).toBe('1.2.0');
    expect(citation.type).toBe('software');
    const paper = citation.references.find((r: { type: string }) => r.type === 'article');
    expect(paper.authors.map((a: { 'family-names': string }) => a['family-names'])).toEqual(['Lu', 'Huang', 'Wang']);
    expect(paper.journal).toBe('IEEE Journal of Selected Topics in Signal Processing');
    expect(paper.identifiers).toContainEqual(expect.objectContaining({ value: 'arXiv:2407.11031' }));
  });

  it('LICENSE is the licence package.json declares', () => {
    expect(pkg.license).toBe('MIT');
    expect(readFileSync(join(ROOT, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
  });
});
