import type { SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import { QueryBuilder, type SQLiteSelectBuilder } from "drizzle-orm/sqlite-core";
import type { Database } from "./db";

/**
 * A hot read whose SQL drizzle builds once per isolate instead of once per call. Building a
 * select (`_prepare`, `buildSelectQuery`, `sqlToQuery`) costs more Worker CPU than sending it, and
 * the databases are per request (`d1-sessions.ts`), so drizzle's own prepared queries, which belong
 * to one client, cannot be kept. The row comes back as an array in the order of `columns` and is
 * decoded by each column's own mapper, so the schema stays the one source of every type.
 */
export type Columns = Record<string, SQLiteColumn | SQL.Aliased>;

type Decoded<C> = C extends SQLiteColumn
  ? C["_"]["notNull"] extends true
    ? C["_"]["data"]
    : C["_"]["data"] | null
  : C extends SQL.Aliased<infer T>
    ? T
    : never;

export type DecodedRow<T extends Columns> = { [K in keyof T]: Decoded<T[K]> };

/** A column decodes with its own mapper; a computed value (`sql\`…\`.as()`) is what D1 returns. */
function decoderOf(selected: SQLiteColumn | SQL.Aliased): (value: unknown) => unknown {
  if ("mapFromDriverValue" in selected) return (value) => selected.mapFromDriverValue(value);
  return (value) => value;
}

export interface CompiledRead<T extends Columns> {
  /** The first row for these parameters (in the order of the `?`s), or null. */
  first(db: Database, ...params: unknown[]): Promise<DecodedRow<T> | null>;
}

/** What a read is built from: a select of `columns` that the caller completes (from, joins, where). */
type SelectOf<T extends Columns> = SQLiteSelectBuilder<T, "sync", void, "qb">;

export function compileRead<T extends Columns>(
  columns: T,
  build: (select: SelectOf<T>) => { toSQL(): { sql: string } },
): CompiledRead<T> {
  const { sql } = build(new QueryBuilder().select(columns)).toSQL();
  const entries = Object.entries(columns).map(([name, selected]) => [name, decoderOf(selected)] as const);
  const decode = (row: unknown[]): DecodedRow<T> => {
    const decoded: Record<string, unknown> = {};
    entries.forEach(([name, decodeValue], i) => {
      const value = row[i];
      decoded[name] = value === null || value === undefined ? null : decodeValue(value);
    });
    return decoded as DecodedRow<T>;
  };
  return {
    async first(db, ...params) {
      const rows = await db.$client
        .prepare(sql)
        .bind(...params)
        .raw();
      const row = rows[0];
      return row ? decode(row) : null;
    },
  };
}
