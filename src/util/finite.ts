/** NaN and Inf are caught where they enter (a subspace, a metric), not where they would surface later. */

/** Throws a RangeError naming `what` and the first non-finite entry. */
export function assertFiniteArray(values: ArrayLike<number>, what: string): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw new RangeError(`${what}: entry ${i} is ${values[i]}`);
  }
}

/** The number, or null when it is NaN or infinite (JSON has no NaN). */
export function finite(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}
