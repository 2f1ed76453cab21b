/**
 * Why real image features fall short of the Gaussian l1 curve (docs/practical.md): the leverage scores of the
 * head's subspace. Leverage h_i = ||Q_i||² (Q an orthonormal basis of range(A)) sums to n; for a Gaussian A every
 * coordinate has h_i ≈ n/m. A coordinate with high leverage can carry a subspace vector almost alone, so a
 * corruption there looks like a clean update and l1 cannot tell them apart. Prints, for several n, the share of
 * zero rows (cells that see only background), rare rows (features active for ≤ 5% of the inputs) and
 * high-leverage coordinates, next to a Gaussian A of the same shape.
 *
 *   npx tsx scripts/practical-leverage.ts [--n 100,300,800] [--dataset mnist] [--filters 32] [--kernel 4]
 *   npx tsx scripts/practical-leverage.ts --backbone mnist-cnn [--raw] [--n 250,500,1000]
 *
 * With --backbone the features are a pretrained backbone's (configs/backbone/<name>.yaml; pretrained and cached
 * if absent), standardised as the experiments use them, or --raw (the ReLU / max-pool activations themselves).
 * Rows count as active where the raw activation is non-zero.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parse } from 'yaml';
import { backboneSpec, obtainBackbone, publicStart } from '../src/networks/backbone.ts';
import { NETWORK_SECTIONS } from '../src/networks/schema.ts';
import { loadSplit, selectImages } from '../src/networks/images.ts';
import { featuresOf } from '../src/networks/instance.ts';
import { backboneMap, initNetwork, rawActivations } from '../src/networks/network.ts';
import { layerSubspace } from '../src/networks/purify.ts';
import { DATASET_SHAPE, type PracticalDataset } from '../src/networks/schema.ts';
import { orthonormalBasis } from '../src/solvers/linalg.ts';
import type { Subspace } from '../src/solvers/types.ts';
import { useBackend } from '../src/tensor/backend.ts';
import { Rng } from '../src/util/rng.ts';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '100,300,800' },
    dataset: { type: 'string', default: 'mnist' },
    filters: { type: 'string', default: '32' },
    kernel: { type: 'string', default: '4' },
    seed: { type: 'string', default: '1' },
    backbone: { type: 'string' },
    raw: { type: 'boolean', default: false },
  },
});

function leverage(A: Subspace): Float64Array {
  const { Q, r, m } = orthonormalBasis(A);
  const h = new Float64Array(m);
  for (let i = 0; i < m; i++) for (let k = 0; k < r; k++) h[i] += Q[i * r + k] ** 2;
  return h;
}

const share = (h: Float64Array, t: number) => h.filter((x) => x > t).length / h.length;

await useBackend('wasm');
const dataset = values.dataset as PracticalDataset;
const network = { kernel: Number(values.kernel), filters: Number(values.filters), hidden: [], filterScale: 1, biasScale: 0, denseScale: 1 };
const split = await loadSplit({ dataset, dir: '', download: false, trainSamples: 10, subspaceInputs: 0, testSamples: 0 });
const seed = Number(values.seed);
console.log('n\tm\tn/m\tzero rows\trare rows\tlev>0.5\tlev>0.9\tGaussian lev>0.5\tGaussian lev>0.9');
const backboneConfig = values.backbone ? NETWORK_SECTIONS.backbone.parse(parse(readFileSync(join(import.meta.dirname, '..', 'configs', 'backbone', `${values.backbone}.yaml`), 'utf8'))) : undefined;
const backbone = backboneConfig && (await obtainBackbone(backboneSpec(backboneConfig, dataset), split));
const pool = backboneConfig ? publicStart(split.train.count, backboneConfig) : split.train.count;
for (const n of values.n.split(',').map(Number)) {
  const images = selectImages(split, { dataset, dir: '', download: false, trainSamples: n, subspaceInputs: n, testSamples: 0 }, seed, pool);
  const net = initNetwork(seed, network, DATASET_SHAPE[dataset], backbone && backboneMap(backbone));
  const features = featuresOf(images.benign, net);
  const raw = rawActivations(features, net.features); // the random convolution's features are raw already
  const A = await layerSubspace(values.raw ? raw : features, `leverage-${n}`);
  const R = await layerSubspace(raw, `leverage-raw-${n}`);
  const active = Array.from({ length: A.m }, (_, i) => {
    let count = 0;
    for (let s = 0; s < A.n; s++) if (R.data[i * A.n + s] !== 0) count++;
    return count;
  });
  const h = leverage(A);
  const g = leverage({ id: `gaussian-${n}`, m: A.m, n, data: Float32Array.from(Rng.stream(seed, 'gaussian').normals(A.m * n)) });
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  console.log(
    [n, A.m, (n / A.m).toFixed(3), pct(active.filter((c) => c === 0).length / A.m), pct(active.filter((c) => c > 0 && c <= 0.05 * n).length / A.m), pct(share(h, 0.5)), pct(share(h, 0.9)), pct(share(g, 0.5)), pct(share(g, 0.9))].join('\t'),
  );
}
