import { and, asc, gte, lt, sql } from "drizzle-orm";
import type { Database } from "./db";
import { inlineIntegers, inlineRows } from "./inline-values";
import { apiKeyDailyUsage } from "./schema";

/** Days kept per key; older days are deleted by the daily cron. */
export const DAILY_USAGE_DAYS = 30;

/** Uses of one key on one UTC day (`YYYY-MM-DD`). */
export interface DailyUsageRow {
  keyId: number;
  day: string;
  count: number;
}

/**
 * One statement adding many keys' per-day counts. Keys that no longer exist are skipped rather than
 * failing the whole flush on the foreign key.
 */
export function dailyUsageUpsert(db: Database, rows: DailyUsageRow[]) {
  const values = inlineRows(rows.map((row) => [row.keyId, row.day, row.count]));
  return db.run(sql`
    WITH v(key_id, day, uses) AS (VALUES ${values})
    INSERT INTO api_key_daily_usage (key_id, day, count)
    SELECT v.key_id, v.day, v.uses FROM v WHERE v.key_id IN (SELECT id FROM api_keys)
    ON CONFLICT (key_id, day) DO UPDATE SET count = api_key_daily_usage.count + excluded.count`);
}

/** The per-day counts of some keys from `fromDay` on: one query over the primary key. */
export async function listDailyUsageSince(db: Database, keyIds: number[], fromDay: string): Promise<DailyUsageRow[]> {
  if (keyIds.length === 0) return [];
  return db
    .select()
    .from(apiKeyDailyUsage)
    .where(and(sql`${apiKeyDailyUsage.keyId} IN (${inlineIntegers(keyIds)})`, gte(apiKeyDailyUsage.day, fromDay)))
    .orderBy(asc(apiKeyDailyUsage.keyId), asc(apiKeyDailyUsage.day));
}

/** Deletes every day before `day`; returns how many rows went. */
export async function deleteDailyUsageBefore(db: Database, day: string): Promise<number> {
  const result = await db.delete(apiKeyDailyUsage).where(lt(apiKeyDailyUsage.day, day));
  return result.meta.changes;
}
