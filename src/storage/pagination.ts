/**
 * Keyset pagination over an autoincrement id, newest first. The cursor a client sees is the id of
 * the last row of a page; the next page starts strictly below it, so rows inserted meanwhile never
 * shift or repeat a page.
 */
export interface PageRequest {
  limit: number;
  /** Only rows with an id below this one. */
  beforeId?: number;
}

export interface Page<T> {
  items: T[];
  /** Pass back as `beforeId` for the next page; null on the last page. */
  nextBeforeId: number | null;
}

/** Callers fetch `limit + 1` rows; the extra row only says whether another page exists. */
export function toPage<T>(rows: T[], limit: number, idOf: (row: T) => number): Page<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextBeforeId: rows.length > limit && last ? idOf(last) : null };
}
