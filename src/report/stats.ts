/** Aggregates of a cell's trials, as the summaries report them: medians of the finite values, means, maxima. */
import { round } from '../util/collections.ts';

/** Median of the finite values; null when there are none. */
export function median(values: readonly (number | null | undefined)[]): number | null {
  const finite = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b);
  if (finite.length === 0) return null;
  const mid = finite.length >> 1;
  return finite.length % 2 ? finite[mid] : (finite[mid - 1] + finite[mid]) / 2;
}

/** Mean of the finite values (4 decimals); null when there are none. */
export function mean(values: readonly (number | null | undefined)[]): number | null {
  const finite = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  return finite.length ? round(finite.reduce((a, b) => a + b, 0) / finite.length, 4) : null;
}

/** Largest of the numbers; null when there are none. */
export function maxOf(values: readonly (number | null)[]): number | null {
  const finite = values.filter((v): v is number => typeof v === 'number');
  return finite.length ? Math.max(...finite) : null;
}

/** Share of items that satisfy `test` (6 decimals). */
export function shareOf<T>(items: readonly T[], test: (item: T) => boolean): number {
  return round(items.filter(test).length / items.length, 6);
}
