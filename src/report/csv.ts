/** Tables as CSV that others can load: a header row, numbers without float noise (8 significant digits). */
import { stringify } from 'csv-stringify/sync';

/** `rows` as CSV with the given columns in order (default: the keys of the first row). */
export function toCsv(rows: readonly object[], columns?: readonly string[], digits = 8): string {
  return stringify([...rows], {
    header: true,
    ...(columns ? { columns: [...columns] } : {}),
    // Booleans as words: csv-stringify's default writes true as 1 and false as an empty cell, which reads as missing.
    cast: { number: (v) => (Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(digits)))), boolean: (v) => String(v) },
  });
}
