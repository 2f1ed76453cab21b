// npm run deps:graph: the folders of src/ and which import which, drawn from the code's own imports by
// dependency-cruiser, as a mermaid flowchart (README.md "How it is built" shows it). An edge a → b means some
// module in a imports one in b; edges implied by longer paths are left out, so the layers read top to bottom.
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const json = execFileSync(join(root, 'node_modules/.bin/depcruise'), ['src', '--config', '.dependency-cruiser.cjs', '--output-type', 'json'], { cwd: root, maxBuffer: 1 << 28 });
const folder = (path) => (path === 'src/kinds/index.ts' ? 'kinds/index.ts' : path.replace(/^src\//, '').replace(/^(kinds\/[^/]+|[^/]+)\/.*$/, '$1'));
const edges = new Map();
for (const m of JSON.parse(json).modules) {
  const from = folder(m.source);
  for (const d of m.dependencies) {
    const to = folder(d.resolved);
    if (!d.resolved.startsWith('src/') || to === from) continue;
    if (!edges.has(from)) edges.set(from, new Set());
    edges.get(from).add(to);
  }
}
// Transitive reduction: drop a → c when a → b → … → c.
const reaches = (a, c, skip) => {
  const seen = new Set();
  const stack = [...(edges.get(a) ?? [])].filter((b) => b !== skip);
  while (stack.length) {
    const b = stack.pop();
    if (b === c) return true;
    if (seen.has(b)) continue;
    seen.add(b);
    stack.push(...(edges.get(b) ?? []));
  }
  return false;
};
const id = (name) => name.replace(/[^A-Za-z0-9]/g, '_');
const lines = ['flowchart TD'];
for (const [from, tos] of [...edges].sort()) {
  for (const to of [...tos].sort()) if (!reaches(from, to, to)) lines.push(`  ${id(from)}["${from}"] --> ${id(to)}["${to}"]`);
}
console.log(lines.join('\n'));
