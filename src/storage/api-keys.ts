import { and, desc, eq, isNull, lt, type SQL, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import type { ApiKeyKind, ApiKeyMode, ApiKeyPermission } from "../domain";
import { newestChangeSeq } from "./api-key-changes";
import { type DailyUsageRow, dailyUsageUpsert } from "./api-key-daily-usage";
import { compileRead } from "./compiled-read";
import type { Database } from "./db";
import { chunked, inlineRows } from "./inline-values";
import { type Page, type PageRequest, toPage } from "./pagination";
import { type ApiKeyRow, apiKeyChanges, apiKeys, businesses, users } from "./schema";

/**
 * What verifying a key needs to know, resolved from D1 once and then cached (per isolate and in
 * the Cache API). Plain JSON: timestamps in epoch milliseconds. Never holds the key or its hash.
 */
export interface ApiKeyRecord {
  id: number;
  publicId: string;
  /** `businesses.id` of the owning business. */
  businessId: number;
  tenantId: string;
  /** The owning business is suspended: its keys stop working, without being revoked one by one. */
  businessSuspended: boolean;
  kind: ApiKeyKind;
  mode: ApiKeyMode;
  permissions: ApiKeyPermission[];
  /** Publishable keys only: the browser origins the key may be used from; null when unrestricted. */
  allowedOrigins: string[] | null;
  expiresAt: number | null;
  revokedAt: number | null;
  graceUntil: number | null;
}

/** A key row with the public ids of everything it points at, for the management API. */
export interface ApiKeyDetails {
  key: ApiKeyRow;
  businessPublicId: string;
  createdByPublicId: string | null;
  replacedByPublicId: string | null;
}

export interface NewApiKey {
  publicId: string;
  businessId: number;
  name: string;
  kind: ApiKeyKind;
  mode: ApiKeyMode;
  permissions: ApiKeyPermission[];
  /** Absent or null: no origin restriction. */
  allowedOrigins?: string[] | null;
  hash: string;
  displayPrefix: string;
  createdBy: number | null;
  createdAt: Date;
  expiresAt: Date | null;
}

/** A nullable timestamp column as epoch ms, the form the verification path judges. */
export const epochMs = (date: Date | null) => (date ? date.getTime() : null);

/**
 * The verification read: one indexed look-up by hash, built once (`compiled-read.ts`), with the
 * newest `api_key_changes` seq in the same statement: the record reflects every change up to it.
 */
const verificationRead = compileRead(
  {
    id: apiKeys.id,
    publicId: apiKeys.publicId,
    businessId: apiKeys.businessId,
    kind: apiKeys.kind,
    mode: apiKeys.mode,
    permissions: apiKeys.permissions,
    allowedOrigins: apiKeys.allowedOrigins,
    expiresAt: apiKeys.expiresAt,
    revokedAt: apiKeys.revokedAt,
    graceUntil: apiKeys.graceUntil,
    tenantId: businesses.publicId,
    businessStatus: businesses.status,
    asOfSeq: sql<number>`(SELECT ${newestChangeSeq} FROM ${apiKeyChanges})`.as("as_of_seq"),
  },
  (select) =>
    select
      .from(apiKeys)
      .innerJoin(businesses, eq(businesses.id, apiKeys.businessId))
      .where(eq(apiKeys.hash, sql.placeholder("hash"))),
);

/**
 * A key's record as verification needs it, and the change-feed position it is current as of
 * (`asOfSeq`); null for both when no key has this hash (a hash no key has can never gain one:
 * keys are random, so "no such key" needs no feed position).
 */
export async function readApiKeyForVerification(
  db: Database,
  hash: string,
): Promise<{ record: ApiKeyRecord; asOfSeq: number } | { record: null; asOfSeq: null }> {
  const row = await verificationRead.first(db, hash);
  if (!row) return { record: null, asOfSeq: null };
  const { tenantId, businessStatus, expiresAt, revokedAt, graceUntil, asOfSeq, ...key } = row;
  const record = {
    ...key,
    tenantId,
    businessSuspended: businessStatus === "suspended",
    expiresAt: epochMs(expiresAt),
    revokedAt: epochMs(revokedAt),
    graceUntil: epochMs(graceUntil),
  };
  return { record, asOfSeq };
}

const successor = alias(apiKeys, "successor");

function selectDetails(db: Database) {
  return db
    .select({
      key: apiKeys,
      businessPublicId: businesses.publicId,
      createdByPublicId: users.publicId,
      replacedByPublicId: successor.publicId,
    })
    .from(apiKeys)
    .innerJoin(businesses, eq(businesses.id, apiKeys.businessId))
    .leftJoin(users, eq(users.id, apiKeys.createdBy))
    .leftJoin(successor, eq(successor.id, apiKeys.replacedBy));
}

/** Hashes of every key of a business, to drop them from caches when the business changes status. */
export async function listApiKeyHashesOfBusiness(db: Database, businessId: number): Promise<string[]> {
  const rows = await db.select({ hash: apiKeys.hash }).from(apiKeys).where(eq(apiKeys.businessId, businessId));
  return rows.map((row) => row.hash);
}

export async function findApiKeyDetailsByPublicId(db: Database, publicId: string): Promise<ApiKeyDetails | null> {
  const row = await selectDetails(db).where(eq(apiKeys.publicId, publicId)).get();
  return row ?? null;
}

/** Keys newest first, of one business or (for admins) of all. */
export async function listApiKeyDetails(
  db: Database,
  filter: { businessId?: number },
  page: PageRequest,
): Promise<Page<ApiKeyDetails>> {
  const conditions: SQL[] = [];
  if (filter.businessId !== undefined) conditions.push(eq(apiKeys.businessId, filter.businessId));
  if (page.beforeId !== undefined) conditions.push(lt(apiKeys.id, page.beforeId));
  const rows = await selectDetails(db)
    .where(and(...conditions))
    .orderBy(desc(apiKeys.id))
    .limit(page.limit + 1);
  return toPage(rows, page.limit, (row) => row.key.id);
}

export async function insertApiKey(db: Database, key: NewApiKey): Promise<ApiKeyRow> {
  const [row] = await db
    .insert(apiKeys)
    .values({ ...key, usageCount: 0 })
    .returning();
  if (!row) throw new Error("api key insert returned no row");
  return row;
}

/**
 * Rolls a key in one D1 batch (one transaction): inserts the successor, points the key at it and
 * starts its grace period only if the key is still active and not already rolled, and deletes the
 * successor again when it lost that race (two concurrent rolls cannot both win). Either the key
 * is rolled to a successor that exists, or nothing changed; no failure in between can leave a
 * successor nobody was handed. Returns both rows, or null when the key could not be rolled.
 */
export async function insertSuccessorAndRoll(
  db: Database,
  keyId: number,
  successorKey: NewApiKey,
  graceUntil: Date,
): Promise<{ successor: ApiKeyRow; rolled: ApiKeyRow } | null> {
  const successorId = sql`(SELECT ${apiKeys.id} FROM ${apiKeys} WHERE ${apiKeys.publicId} = ${successorKey.publicId})`;
  const [inserted, rolled] = await db.batch([
    db
      .insert(apiKeys)
      .values({ ...successorKey, usageCount: 0 })
      .returning(),
    db
      .update(apiKeys)
      .set({ replacedBy: successorId, graceUntil })
      .where(and(eq(apiKeys.id, keyId), isNull(apiKeys.replacedBy), isNull(apiKeys.revokedAt)))
      .returning(),
    db
      .delete(apiKeys)
      .where(
        and(
          eq(apiKeys.publicId, successorKey.publicId),
          sql`NOT EXISTS (SELECT 1 FROM ${apiKeys} AS rolled WHERE rolled.id = ${keyId} AND rolled.replaced_by = ${apiKeys.id})`,
        ),
      ),
  ]);
  const [successor] = inserted;
  const [rolledRow] = rolled;
  return successor && rolledRow ? { successor, rolled: rolledRow } : null;
}

/** Revokes a key unless it already was; returns whether this call revoked it. */
export async function markApiKeyRevoked(db: Database, keyId: number, now: Date): Promise<boolean> {
  const changed = await db
    .update(apiKeys)
    .set({ revokedAt: now })
    .where(and(eq(apiKeys.id, keyId), isNull(apiKeys.revokedAt)))
    .returning({ id: apiKeys.id });
  return changed.length === 1;
}

export interface ApiKeyUsage {
  keyId: number;
  count: number;
  lastUsedAt: number;
}

/** One statement adding many keys' counts and last-used times (`UPDATE … FROM` a `VALUES` list). */
function apiKeyUsageUpdate(db: Database, usages: ApiKeyUsage[]) {
  const values = inlineRows(usages.map((usage) => [usage.keyId, usage.count, usage.lastUsedAt]));
  return db.run(sql`
    WITH v(id, uses, last_used_at) AS (VALUES ${values})
    UPDATE api_keys SET
      usage_count = api_keys.usage_count + v.uses,
      last_used_at = max(coalesce(api_keys.last_used_at, 0), v.last_used_at)
    FROM v WHERE api_keys.id = v.id`);
}

/**
 * Adds a flush's coalesced usage: the counters and the per-day counts, one statement each (per
 * `INLINE_ROWS_PER_STATEMENT` keys), in one batch, which D1 runs as one transaction in one round
 * trip. Returns the rows D1 reports written.
 */
export async function addApiKeyUsage(db: Database, usages: ApiKeyUsage[], days: DailyUsageRow[]): Promise<number> {
  const [first, ...rest] = [
    ...chunked(usages).map((chunk) => apiKeyUsageUpdate(db, chunk)),
    ...chunked(days).map((chunk) => dailyUsageUpsert(db, chunk)),
  ];
  if (!first) return 0;
  const results = await db.batch([first, ...rest]);
  return results.reduce((sum, result) => sum + (result.meta.rows_written ?? 0), 0);
}
