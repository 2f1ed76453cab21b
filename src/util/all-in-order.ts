/**
 * Promise.all for reading several files at once, with one difference: when several reads fail, the error thrown
 * is the first one *in order*, not the first in time. A folder with two bad files then always gives the same
 * message, naming the same file, whichever read happens to finish first.
 */
export async function allInOrder<T extends readonly unknown[] | []>(values: T): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const results: unknown[] = [];
  for (const s of (await Promise.allSettled(values)) as PromiseSettledResult<unknown>[]) {
    if (s.status === 'rejected') throw s.reason;
    results.push(s.value);
  }
  return results as { -readonly [K in keyof T]: Awaited<T[K]> };
}
