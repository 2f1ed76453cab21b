/**
 * The recovery problem every solver answers (RESEARCH.md §4):
 *
 *     u^ = argmin_u || b − A u ||_1        delta^ = A u^
 *
 * where b = theta~ − theta0 is the contaminated parameter update and A (m×n) spans the subspace the clean
 * update lies in. Solvers return delta^ (the recovered update), not u^: that is what the caller measures and
 * what stays meaningful when A is rank deficient.
 */

/** A subspace basis A, m×n, row-major. Problems that share a subspace share this object (and its `id`). */
export interface Subspace {
  /** Stable identifier: problems with the same id have the same A (lets a solver cache a factorisation). */
  readonly id: string;
  /** Number of coordinates being recovered (rows of A). */
  readonly m: number;
  /** Number of spanning vectors, e.g. training inputs (columns of A). */
  readonly n: number;
  /** Row-major m×n entries. */
  readonly data: Float32Array | Float64Array;
}

/** One l1 recovery problem. */
export interface L1Problem {
  readonly A: Subspace;
  /** Contaminated update theta~ − theta0, length m. */
  readonly b: Float64Array;
}

export type SolveStatus =
  | 'optimal' //   exact solver proved optimality
  | 'converged' // iterative solver met its stopping criterion
  | 'max_iterations' // iterative solver hit its cap (the answer is still returned)
  | 'failed'; //   the solver broke (message says why); delta is NaN-filled

export interface SolveResult {
  /** Recovered update A u^, length m. */
  readonly delta: Float64Array;
  readonly status: SolveStatus;
  readonly message?: string;
  /** Iterations used (simplex/IPM iterations for an LP, outer iterations for first-order methods). */
  readonly iterations?: number;
  /** Final primal / dual residuals of iterative solvers (relative, solver-defined; documented per solver). */
  readonly primalResidual?: number;
  readonly dualResidual?: number;
  /** || b − delta ||_1 at the returned point. */
  readonly objective?: number;
  /** Wall time attributed to this problem; for a batched solve, the batch time divided by the batch size. */
  readonly solveMs: number;
}

/**
 * A solver takes a batch of problems that all share the same m and n (their A may differ) and returns one
 * result per problem, in order. A solver must give each problem the same answer whatever else is in the
 * batch (batched and one-at-a-time solves agree), so results never depend on how trials were grouped.
 * A failure of one problem is reported in its result (status 'failed'); solve() throws only for misuse.
 */
export interface Solver {
  readonly name: string;
  solve(problems: readonly L1Problem[]): Promise<SolveResult[]>;
  /** Release native or tensor memory held by the solver. */
  dispose?(): void;
}
