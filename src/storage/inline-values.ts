import { type SQL, sql } from "drizzle-orm";

/**
 * Literal rows for a `VALUES` list, written into the statement instead of bound: D1 allows at most
 * 100 bound parameters per statement, and a usage flush carries three values for each of up to
 * thousands of keys. Only values that cannot carry SQL are accepted: non-negative safe integers and
 * `YYYY-MM-DD` days. Anything else throws before a statement is built.
 */
export type InlineValue = number | string;

const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

function literalOf(value: InlineValue): string {
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value) || value < 0) throw new Error(`not an inlinable integer: ${value}`);
    return String(value);
  }
  if (!DAY_PATTERN.test(value)) throw new Error("not an inlinable day");
  return `'${value}'`;
}

/** `(1,2,'2026-12-02'),(3,4,'2026-12-02')`: the rows of a `VALUES` clause. */
export function inlineRows(rows: InlineValue[][]): SQL {
  return sql.raw(rows.map((row) => `(${row.map(literalOf).join(",")})`).join(","));
}

/** `1,2,3`: a list for `IN (…)`. */
export function inlineIntegers(values: number[]): SQL {
  return sql.raw(values.map(literalOf).join(","));
}

/**
 * Rows per statement. D1 also caps a statement at 100 KB of SQL; a row here is at most ~40
 * characters, so 2,000 rows stay well under it.
 */
export const INLINE_ROWS_PER_STATEMENT = 2_000;

export function chunked<T>(items: T[], size = INLINE_ROWS_PER_STATEMENT): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}
