/** How well a recovery did, and the sizes it is measured against. */

/** ||θ^ − θ_T|| / ||θ_T − θ0||, computed on updates (θ^ − θ_T = Δ^ − Δ). */
export function relativeError(recovered: ArrayLike<number>, clean: ArrayLike<number>): number {
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < clean.length; i++) {
    const d = recovered[i] - clean[i];
    diff += d * d;
    norm += clean[i] * clean[i];
  }
  return norm > 0 ? Math.sqrt(diff / norm) : Math.sqrt(diff);
}

/** Root mean square of a vector (0 for an empty one). */
export function rms(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] * values[i];
  return values.length ? Math.sqrt(sum / values.length) : 0;
}
