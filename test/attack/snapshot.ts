import { env } from "cloudflare:workers";

/** Row counts of every D1 table and every KV key: what "nothing changed" is checked against. */
export interface StorageSnapshot {
  rows: Record<string, number>;
  kvKeys: string[];
}

async function tableNames(): Promise<string[]> {
  const { results } = await env.DB.prepare(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name != 'd1_migrations' ORDER BY name",
  ).all<{ name: string }>();
  return results.map((row) => row.name);
}

async function allKvKeys(): Promise<string[]> {
  const names: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await env.KV.list({ cursor });
    names.push(...page.keys.map((key) => key.name));
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  return names.sort();
}

export async function snapshotStorage(): Promise<StorageSnapshot> {
  const rows: Record<string, number> = {};
  for (const table of await tableNames()) {
    const row = await env.DB.prepare(`SELECT COUNT(*) AS n FROM "${table}"`).first<{ n: number }>();
    rows[table] = row?.n ?? 0;
  }
  return { rows, kvKeys: await allKvKeys() };
}
