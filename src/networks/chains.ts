/**
 * Purifying the dense layers of many trials of one network, bottom up, with one solver batch per layer and
 * solver spec.
 *
 * A *chain* is one trial's purification: its contaminated updates, its solver and its variant. Layer 0's subspace
 * is the network's (conv features of the benign inputs), so chains that differ only in variant share layer 0's
 * solve. Above it, the subspace is built from the inputs of the layer *through the purified layers below*
 * (the defender knows nothing better), which depends on the variant, so every chain solves its own upper layers.
 */
import type { SolverPool } from '../solvers/pool.ts';
import type { SolverSpec } from '../solvers/registry.ts';
import type { SolveResult, Subspace } from '../solvers/types.ts';
import { canonicalJson, stableHash } from '../util/canonical.ts';
import { groupBy } from '../util/collections.ts';
import { upperSubspace, type Instance } from './instance.ts';
import { purifyLayer, rowProblems, type PurifiedLayer } from './purify.ts';
import type { PurificationConfig } from './schema.ts';

export interface Chain {
  /** Unique per (contamination, solver, variant, threshold). */
  readonly id: string;
  /** Shared by chains whose first layer is the same problem (same contamination and solver). */
  readonly firstKey: string;
  readonly instance: Instance;
  /** θ~ − θ0 per dense layer (rows × m). */
  readonly contaminated: readonly Float64Array[];
  readonly solver: SolverSpec;
  readonly purification: Pick<PurificationConfig, 'variant' | 'threshold'>;
}

/**
 * The chain of one trial. Its first layer is the problem fixed by the network, `source` (what made the contaminated
 * update, e.g. the contamination spec; nothing when the network fixes it, as an attack does) and the solver; the
 * variant and threshold only make the chain itself distinct.
 */
export function chainFor(
  instance: Instance,
  contaminated: readonly Float64Array[],
  solver: SolverSpec,
  purification: Pick<PurificationConfig, 'variant' | 'threshold'>,
  source: Readonly<Record<string, unknown>> = {},
): Chain {
  const { variant, threshold } = purification;
  const first = { instance: instance.key, ...source, solver };
  return { id: stableHash({ ...first, variant, threshold }), firstKey: stableHash(first), instance, contaminated, solver, purification: { variant, threshold } };
}

interface Job {
  readonly A: Subspace;
  readonly b: Float64Array;
  readonly solver: SolverSpec;
  readonly chains: Chain[];
  results?: SolveResult[];
}

/** Purified layers of every chain, by chain id. */
export async function purifyChains(chains: readonly Chain[], solvers: SolverPool): Promise<Map<string, PurifiedLayer[]>> {
  const out = new Map(chains.map((c) => [c.id, [] as PurifiedLayer[]]));
  const layers = chains[0]?.contaminated.length ?? 0;
  for (let l = 0; l < layers; l++) {
    const jobs = await layerJobs(chains, l, out);
    await solveJobs([...jobs.values()], solvers);
    for (const job of jobs.values()) {
      for (const chain of job.chains) out.get(chain.id)!.push(purifyLayer(job.b, job.results!, chain.purification));
    }
  }
  return out;
}

async function layerJobs(chains: readonly Chain[], l: number, done: Map<string, PurifiedLayer[]>): Promise<Map<string, Job>> {
  const jobs = new Map<string, Job>();
  for (const chain of chains) {
    const key = l === 0 ? chain.firstKey : chain.id;
    if (!jobs.has(key)) {
      const below = done.get(chain.id)!.map((p) => p.update);
      const A = l === 0 ? chain.instance.subspace0 : await upperSubspace(chain.instance, below, l, `${chain.id}/L${l}`);
      jobs.set(key, { A, b: chain.contaminated[l], solver: chain.solver, chains: [] });
    }
    jobs.get(key)!.chains.push(chain);
  }
  return jobs;
}

/** One solve() call per solver spec and problem shape, holding every row of every job in it. */
async function solveJobs(jobs: readonly Job[], solvers: SolverPool): Promise<void> {
  for (const group of groupBy(jobs, (job) => `${canonicalJson(job.solver)}|${job.A.m}×${job.A.n}`).values()) {
    const solver = await solvers.get(group[0].solver);
    const problems = group.flatMap((job) => rowProblems(job.A, job.b));
    const results = await solver.solve(problems);
    let offset = 0;
    for (const job of group) {
      const rows = job.b.length / job.A.m;
      job.results = results.slice(offset, offset + rows);
      offset += rows;
    }
  }
}
