import { env } from "cloudflare:workers";

/**
 * What "nothing changed" is checked against, in two round trips: one D1 query that fingerprints
 * every table at once, and one KV `list` (more only past 1000 keys).
 *
 * A table's fingerprint is its row count, its largest rowid, the sum of each integer column and
 * the summed length of each text column; with `sqlite_sequence`, the last id each AUTOINCREMENT
 * table handed out. So an insert, a delete, an insert undone by a delete, and an update that moves
 * a timestamp, a counter, a flag, a foreign key or the length of a text all show. It is not a
 * hash: an update that rewrites a text to another of the same length and touches no integer
 * column would not show. Every write this service makes also sets a timestamp.
 *
 * Left out: an API key's usage statistics. A verified key only bumps a counter in memory, and
 * whichever request comes at least five seconds after the last flush writes everything
 * accumulated since (src/services/api-keys/usage.ts), so a refused request that presented a valid
 * key (one without the permission, a secret key as project key) may or may not flush the counts of
 * earlier requests, depending on the clock. The same flush adds the per-day counts of the
 * dashboard's usage chart (`api_key_daily_usage`), so that table is left out whole. Revocation,
 * rotation and expiry columns are kept.
 */
export interface StorageSnapshot {
  /** Per table, per aggregate (`rows`, `max_rowid`, `sum(col)`, `len(col)`): its value. */
  tables: Record<string, Record<string, number | string | null>>;
  /** Every KV key, with its expiration (seconds since the epoch) where it has one. */
  kv: Map<string, number | undefined>;
  /** When the KV list was taken, in seconds since the epoch. */
  at: number;
}

interface Column {
  name: string;
  type: string;
}

/** The pseudo-table of AUTOINCREMENT counters in a snapshot: table name → last id handed out. */
export const SEQUENCES = "sqlite_sequence";

/** Columns whose value moves with the clock, not with the request: see above. */
const CLOCK_DRIVEN: Record<string, string[]> = { api_keys: ["usage_count", "last_used_at"] };
/** Tables only the same clock-driven usage flush writes. */
const CLOCK_DRIVEN_TABLES = ["api_key_daily_usage"];

const quoted = (name: string) => `"${name.replaceAll('"', '""')}"`;
const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;

/** The fingerprint of one table: a `json_object` of aggregates, one full scan. */
function fingerprintOf(table: string, columns: Column[], hasRowid: boolean): string {
  const parts: string[] = ["'rows', count(*)"];
  if (hasRowid) parts.push("'max_rowid', max(rowid)");
  for (const column of columns) {
    if (CLOCK_DRIVEN[table]?.includes(column.name)) continue;
    const integer = /INT/i.test(column.type);
    const label = integer ? `sum(${column.name})` : `len(${column.name})`;
    // As text: a sum of millisecond timestamps outgrows a double's exact integers.
    const value = integer ? `CAST(sum(${quoted(column.name)}) AS TEXT)` : `sum(length(${quoted(column.name)}))`;
    parts.push(`${literal(label)}, ${value}`);
  }
  return `(SELECT json_object(${parts.join(", ")}) FROM ${quoted(table)}) AS ${quoted(table)}`;
}

/** The one query, built once per run from sqlite_master (after migrations, which setup applies). */
async function buildFingerprintQuery(): Promise<string> {
  const { results: tables } = await env.DB.prepare(
    "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name != 'd1_migrations' ORDER BY name",
  ).all<{ name: string; sql: string }>();
  if (tables.length === 0) throw new Error("no tables to fingerprint: were the migrations applied?");
  const absent = CLOCK_DRIVEN_TABLES.filter((name) => !tables.some((table) => table.name === name));
  if (absent.length > 0) throw new Error(`no table ${absent.join(", ")} to leave out`);
  const selects: string[] = [];
  for (const table of tables) {
    if (CLOCK_DRIVEN_TABLES.includes(table.name)) continue;
    const { results: columns } = await env.DB.prepare(`PRAGMA table_info(${quoted(table.name)})`).all<Column>();
    const missing = (CLOCK_DRIVEN[table.name] ?? []).filter((name) => !columns.some((c) => c.name === name));
    if (missing.length > 0) throw new Error(`${table.name} has no column ${missing.join(", ")} to leave out`);
    selects.push(fingerprintOf(table.name, columns, !/WITHOUT\s+ROWID/i.test(table.sql)));
  }
  // Under a name no table can have: `sqlite_` is reserved.
  selects.push(`(SELECT json_group_object(name, seq) FROM sqlite_sequence) AS ${quoted(SEQUENCES)}`);
  return `SELECT ${selects.join(", ")}`;
}

let fingerprintQuery: Promise<string> | undefined;

async function tableFingerprints(): Promise<StorageSnapshot["tables"]> {
  fingerprintQuery ??= buildFingerprintQuery();
  const row = await env.DB.prepare(await fingerprintQuery).first<Record<string, string>>();
  if (!row) throw new Error("the fingerprint query returned no row");
  return Object.fromEntries(Object.entries(row).map(([table, json]) => [table, JSON.parse(json)]));
}

async function kvEntries(): Promise<Map<string, number | undefined>> {
  const keys = new Map<string, number | undefined>();
  let cursor: string | undefined;
  do {
    const page = await env.KV.list({ cursor });
    for (const key of page.keys) {
      keys.set(key.name, key.expiration);
    }
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  return keys;
}

export async function snapshotStorage(): Promise<StorageSnapshot> {
  const tables = await tableFingerprints();
  const kv = await kvEntries();
  return { tables, kv, at: Math.floor(Date.now() / 1000) };
}

/** A KV key may expire on its own between two snapshots: so close to its expiration, its absence is no change. */
const EXPIRY_SLACK_SECONDS = 2;

export interface StorageChanges {
  /** Per table, the aggregates that moved, as `before → after`. */
  tables: Record<string, Record<string, string>>;
  kvAdded: string[];
  kvRemoved: string[];
  /** Keys written again: their expiration moved. */
  kvRewritten: string[];
}

/** What differs from `before` in `after`; empty lists and objects when nothing did. */
export function storageChanges(before: StorageSnapshot, after: StorageSnapshot): StorageChanges {
  const tables: StorageChanges["tables"] = {};
  for (const table of new Set([...Object.keys(before.tables), ...Object.keys(after.tables)])) {
    const was = before.tables[table] ?? {};
    const is = after.tables[table] ?? {};
    for (const aggregate of new Set([...Object.keys(was), ...Object.keys(is)])) {
      if (was[aggregate] === is[aggregate]) continue;
      tables[table] ??= {};
      tables[table][aggregate] = `${was[aggregate]} → ${is[aggregate]}`;
    }
  }
  const kvAdded: string[] = [];
  const kvRewritten: string[] = [];
  for (const [name, expiration] of after.kv) {
    if (!before.kv.has(name)) kvAdded.push(name);
    else if (before.kv.get(name) !== expiration) kvRewritten.push(name);
  }
  const kvRemoved: string[] = [];
  for (const [name, expiration] of before.kv) {
    const mayHaveExpired = expiration !== undefined && expiration <= after.at + EXPIRY_SLACK_SECONDS;
    if (!after.kv.has(name) && !mayHaveExpired) kvRemoved.push(name);
  }
  return { tables, kvAdded: kvAdded.sort(), kvRemoved: kvRemoved.sort(), kvRewritten: kvRewritten.sort() };
}

export const NO_CHANGES: StorageChanges = { tables: {}, kvAdded: [], kvRemoved: [], kvRewritten: [] };
