/**
 * `npm run paper -- --quick` end to end on a reduced set of experiments, as a user runs it: the page, its files,
 * the crossing table against summary.csv, a second run that reruns nothing, and the page in real Chromium.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { readCsv } from '../src/paper/tables.ts';

const ROOT = resolve(import.meta.dirname, '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const CHROMIUM = '/usr/bin/chromium';
/** STACK.md: Debian's chromium, headless, offline. */
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** A synthetic sweep and CIFAR-10 (absent here: skipped with its reason); the other tables: paper-tables.test.ts. */
const ONLY = 'synthetic-sweep,cifar-purify';

const tmp = mkdtempSync(join(tmpdir(), 'purify-paper-'));
const results = join(tmp, 'results');
const out = join(tmp, 'paper');
const args = ['--quick', '--only', ONLY, '--results', results, '--out', out, '--workers', '2'];

async function paper(argv: string[]) {
  try {
    const r = await promisify(execFile)(TSX, [join(ROOT, 'src/cli/paper.ts'), ...argv], { cwd: ROOT, encoding: 'utf8', timeout: 110_000, env: { ...process.env, CIFAR10_DIR: join(tmp, 'no-cifar') } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

let first: Awaited<ReturnType<typeof paper>>;
beforeAll(async () => {
  first = await paper(args);
}, 120_000);

/** The 50 % crossing recomputed here from summary.csv, independently of src/paper/tables.ts. */
function expectedCrossings(summary: Record<string, unknown>[]): Map<string, number> {
  const curves = new Map<string, { x: number; r: number }[]>();
  for (const row of summary) {
    const key = `${row.sweep}|${row.width}|${row.samples}`;
    curves.set(key, [...(curves.get(key) ?? []), { x: Number(row.corruption), r: Number(row.success_rate) }]);
  }
  const out = new Map<string, number>();
  for (const [key, points] of curves) {
    points.sort((a, b) => a.x - b.x);
    const i = points.findIndex((p) => p.r < 0.5);
    out.set(key, i === -1 ? points.at(-1)!.x : i === 0 ? points[0].x : points[i - 1].x + ((points[i - 1].r - 0.5) / (points[i - 1].r - points[i].r)) * (points[i].x - points[i - 1].x));
  }
  return out;
}

describe('npm run paper -- --quick', () => {
  it('runs the experiments, skips CIFAR-10 with its reason, and writes index.html, figures and tables', () => {
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/\[1\/2\] synthetic-sweep: \d+ trials run, 0 reused/);
    expect(first.stderr).toMatch(/\[2\/2\] cifar-purify: skipped: CIFAR-10 is unavailable/);
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    expect(html).toContain('Quick variant');
    expect(html).toMatch(/skipped: CIFAR-10 is unavailable.*To provide it/);
    expect(html).toMatch(/<strong>Skipped:<\/strong> cifar-purify \(CIFAR-10 is unavailable/);
    const images = [...html.matchAll(/<img src="([^"]+)"/g)].map((m) => m[1]);
    expect(images.length).toBeGreaterThanOrEqual(4);
    for (const src of images) {
      expect(src, 'relative link').not.toMatch(/^(\/|[a-z]+:)/);
      const png = join(out, src);
      expect(existsSync(png), src).toBe(true);
      const pdf = readFileSync(png.replace(/\.png$/, '.pdf'));
      expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
      // The fonts travel with the figure: an embedded TrueType subset of DejaVu Sans, no unembedded base font.
      expect(pdf.toString('latin1')).toMatch(/\/FontFile2/);
      expect(pdf.toString('latin1')).not.toMatch(/\/BaseFont \/Helvetica/);
      expect(readFileSync(png.replace(/\.png$/, '.svg'), 'utf8')).toMatch(/^<svg/);
      expect(existsSync(png.replace(/\.png$/, '.vl.json'))).toBe(true);
    }
    expect([...html.matchAll(/<figure id="fig-(\d+)"/g)].map((m) => Number(m[1]))).toEqual(images.map((_, i) => i + 1));
    expect(html).toContain('Regenerate: <code>npm run paper -- --quick --only synthetic-sweep</code>');
    expect(html).toContain('href="../');
  });

  it('the crossing table matches the crossings recomputed from summary.csv', () => {
    const summary = readCsv(join(results, 'synthetic-sweep', 'summary.csv'));
    const expected = expectedCrossings(summary);
    const table = readCsv(join(out, 'tables', 'crossing.csv'));
    expect(table.length).toBe(expected.size);
    for (const row of table) {
      const want = expected.get(`${row.sweep}|${row.width}|${row.samples}`);
      expect(want, JSON.stringify(row)).toBeDefined();
      expect(Number(row.measured_crossing)).toBeCloseTo(want!, 4);
      const theory = summary.find((s) => s.sweep === row.sweep && s.width === row.width && s.samples === row.samples)!.theory_corruption;
      expect(Number(row.theory_crossing)).toBeCloseTo(Number(theory), 4);
      expect(Number(row.offset)).toBeCloseTo(want! - Number(theory), 3);
    }
  });

  it('a second run reruns no trial and rebuilds the same figures', async () => {
    const trials = statSync(join(results, 'synthetic-sweep', 'trials.jsonl')).size;
    const again = await paper(args);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/synthetic-sweep: 0 trials run, \d+ reused/);
    expect(statSync(join(results, 'synthetic-sweep', 'trials.jsonl')).size).toBe(trials);
  }, 120_000);

  it('renders in headless Chromium: every image loads, no console error, no request outside file://, every table has rows', async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does this)`).toBe(true);
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const errors: string[] = [];
      const outside: string[] = [];
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('request', (r) => !r.url().startsWith('file://') && outside.push(r.url()));
      page.on('requestfailed', (r) => errors.push(`failed: ${r.url()}`));
      await page.goto(pathToFileURL(join(out, 'index.html')).href, { waitUntil: 'load' });
      const images = await page.$$eval('img', (imgs) => imgs.map((i) => ({ src: i.getAttribute('src'), ok: i.complete && i.naturalWidth > 0 })));
      expect(images.length).toBeGreaterThanOrEqual(4);
      expect(images.filter((i) => !i.ok)).toEqual([]);
      const rows = await page.$$eval('table', (tables) => tables.map((t) => ({ id: t.previousElementSibling?.textContent ?? t.id, rows: t.querySelectorAll('tbody tr').length })));
      expect(rows.length).toBeGreaterThanOrEqual(2); // the crossings and the provenance
      expect(rows.filter((t) => t.rows === 0)).toEqual([]);
      expect(errors).toEqual([]);
      expect(outside).toEqual([]);
      const shot = join(tmp, 'paper.png');
      await page.screenshot({ path: shot, fullPage: false });
      expect(statSync(shot).size).toBeGreaterThan(10_000);
    } finally {
      await browser.close();
    }
  });
});
