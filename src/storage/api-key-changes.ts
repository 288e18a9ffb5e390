import { desc, gt, lt, sql } from "drizzle-orm";
import type { Database } from "./db";
import { apiKeyChanges } from "./schema";

/** One row of the API-key change feed (`schema.ts` `apiKeyChanges`, written by triggers). */
export interface ApiKeyChange {
  seq: number;
  lookupHash: string;
}

/** Changes in commit order, and the newest seq of the feed when they were read. */
export interface ApiKeyChangesRead {
  changes: ApiKeyChange[];
  newestSeq: number;
}

const columns = { seq: apiKeyChanges.seq, lookupHash: apiKeyChanges.lookupHash };

/** The feed's newest seq, 0 while it is empty: an aggregate over `api_key_changes`. */
export const newestChangeSeq = sql<number>`coalesce(max(${apiKeyChanges.seq}), 0)`;

/** Up to `limit` changes after `afterSeq`, oldest first, and the newest seq: one batch, one snapshot. */
export async function readApiKeyChangesAfter(
  db: Database,
  afterSeq: number,
  limit: number,
): Promise<ApiKeyChangesRead> {
  const [changes, newest] = await db.batch([
    db
      .select(columns)
      .from(apiKeyChanges)
      .where(gt(apiKeyChanges.seq, afterSeq))
      .orderBy(apiKeyChanges.seq)
      .limit(limit),
    db.select({ seq: newestChangeSeq }).from(apiKeyChanges),
  ]);
  return { changes, newestSeq: newest[0]?.seq ?? 0 };
}

/** The `limit` most recent changes, oldest first. */
export async function readLatestApiKeyChanges(db: Database, limit: number): Promise<ApiKeyChangesRead> {
  const [latest, newest] = await db.batch([
    db.select(columns).from(apiKeyChanges).orderBy(desc(apiKeyChanges.seq)).limit(limit),
    db.select({ seq: newestChangeSeq }).from(apiKeyChanges),
  ]);
  return { changes: latest.reverse(), newestSeq: newest[0]?.seq ?? 0 };
}

/** Deletes changes recorded before `beforeMs` (the daily cron); returns how many rows went. */
export async function deleteApiKeyChangesBefore(db: Database, beforeMs: number): Promise<number> {
  const result = await db.delete(apiKeyChanges).where(lt(apiKeyChanges.changedAt, beforeMs));
  return result.meta.changes;
}
