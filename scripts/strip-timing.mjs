// node scripts/strip-timing.mjs A B: exit 0 when the two trials.jsonl or summary.csv files are the same once fields
// ending in _ms (timings) and _at (clock times) are dropped; otherwise print the first differing line and exit 1.
import { readFileSync } from 'node:fs';

const timing = (name) => name.endsWith('_ms') || name.endsWith('_at');

function normalised(path) {
  const lines = readFileSync(path, 'utf8').split('\n');
  if (path.endsWith('.jsonl')) {
    return lines.map((line) => (line ? JSON.stringify(JSON.parse(line), (key, value) => (timing(key) ? undefined : value)) : line));
  }
  // CSV: drop the timing columns by header name (no field of these summaries contains a comma).
  const keep = lines[0].split(',').map((name) => !timing(name));
  return lines.map((line) => line.split(',').filter((_, i) => keep[i]).join(','));
}

const [a, b] = process.argv.slice(2).map(normalised);
const n = Math.max(a.length, b.length);
for (let i = 0; i < n; i++) {
  if (a[i] !== b[i]) {
    console.error(`line ${i + 1} differs:\n  ${process.argv[2]}: ${a[i]?.slice(0, 400)}\n  ${process.argv[3]}: ${b[i]?.slice(0, 400)}`);
    process.exit(1);
  }
}
