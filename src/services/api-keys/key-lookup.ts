import { BoundedMap } from "../../bounded-map";
import { deleteEdgeCachedApiKey, readEdgeCachedApiKey, writeEdgeCachedApiKey } from "../../storage/api-key-edge-cache";
import { type ApiKeyRecord, findApiKeyRecordByHash } from "../../storage/api-keys";
import { isKnown, readNearestThenPrimary } from "../../storage/d1-sessions";
import type { Deps } from "../deps";

/**
 * Resolving a key hash to its record, in three tiers so that a warm verification touches
 * neither D1 nor KV (SPEC §5):
 *
 *   1. this isolate's memory, for `apiKeyCacheSeconds`;
 *   2. the Cache API of this location, for `apiKeyEdgeCacheSeconds` (≤ 60 s);
 *   3. D1.
 *
 * Every tier holds the whole record, revoked and expired ones included (and "no such key"), so a
 * refusal is cached as well as an acceptance; expiry and grace periods are judged against `now` on
 * every request, never cached. An entry copied from the Cache API into memory keeps the Cache API
 * entry's deadline, so no tier ever serves a record older than
 * max(apiKeyCacheSeconds, apiKeyEdgeCacheSeconds) — the bound on how long a revocation made
 * elsewhere takes to reach this isolate. The isolate that revokes forgets the key in memory and in
 * its location's Cache API at once.
 */

interface IsolateEntry {
  record: ApiKeyRecord | null;
  freshUntil: number;
}

/** At the bound, the entry cached longest ago makes room (BoundedMap evicts the oldest insertion). */
const isolateCache = new BoundedMap<string, IsolateEntry>(10_000);

function remember(lookupHash: string, record: ApiKeyRecord | null, freshUntil: number, nowMs: number) {
  if (freshUntil <= nowMs) return;
  // Deleted first so that a key cached again counts as the newest, not by when it was first seen.
  isolateCache.delete(lookupHash);
  isolateCache.set(lookupHash, { record, freshUntil });
}

/** The record for a key hash, or null when no key has that hash. */
export async function resolveApiKey(deps: Deps, lookupHash: string): Promise<ApiKeyRecord | null> {
  const nowMs = deps.now.getTime();
  const isolateTtlMs = deps.config.apiKeyCacheSeconds * 1000;
  const edgeTtlSeconds = deps.config.apiKeyEdgeCacheSeconds;
  const edgeTtlMs = edgeTtlSeconds * 1000;

  const local = isolateCache.get(lookupHash);
  if (local && local.freshUntil > nowMs) return local.record;

  if (edgeTtlMs > 0) {
    const edge = await readEdgeCachedApiKey(lookupHash);
    if (edge && nowMs - edge.resolvedAt < edgeTtlMs) {
      remember(lookupHash, edge.record, Math.min(nowMs + isolateTtlMs, edge.resolvedAt + edgeTtlMs), nowMs);
      return edge.record;
    }
  }

  const record = await readNearestThenPrimary(deps.db, (db) => findApiKeyRecordByHash(db, lookupHash), isKnown);
  remember(lookupHash, record, nowMs + isolateTtlMs, nowMs);
  if (edgeTtlMs > 0) {
    deps.defer(writeEdgeCachedApiKey(lookupHash, { record, resolvedAt: nowMs }, edgeTtlSeconds));
  }
  return record;
}

/** Drops a key from this isolate and this location's Cache API (after revoking or rolling it). */
export async function forgetApiKey(lookupHash: string): Promise<void> {
  isolateCache.delete(lookupHash);
  await deleteEdgeCachedApiKey(lookupHash);
}
