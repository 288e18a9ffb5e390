import { type ParsedApiKey, parseApiKey } from "../../crypto/api-key-format";
import { CACHE_BUDGET_BYTES, ENTRY_OVERHEAD_BYTES, NUMBER_BYTES, objectBytes, stringBytes } from "../../isolate-memory";
import { LruCache } from "../../lru-cache";
import { deleteEdgeCachedApiKey, readEdgeCachedApiKey, writeEdgeCachedApiKey } from "../../storage/api-key-edge-cache";
import { type ApiKeyRecord, findApiKeyRecordByHash } from "../../storage/api-keys";
import { primaryOf } from "../../storage/d1-sessions";
import type { Deps } from "../deps";

/**
 * Resolving a presented key to its record, in three tiers so that a warm verification touches
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
 *
 * In memory, everything a warm verification needs sits on one entry keyed by the presented key:
 * its parse (format, checksum and the one SHA-256, which never change) and its record with the
 * record's deadline. A warm request is one cache look-up; a key whose record lapsed is resolved
 * again without being hashed again. Keys that do not parse are never remembered.
 */

export interface KnownApiKey {
  readonly parsed: ParsedApiKey;
  /** Null when no key has this hash. */
  readonly record: ApiKeyRecord | null;
  /** Until when (epoch ms) `record` may be served from memory. */
  readonly freshUntil: number;
}

/** A Map slot of `presentedByHash` (its two strings are the entry's own). */
const INDEX_SLOT_BYTES = 32;

/** What an entry holds in memory: its key, its parse (with the hash), its record and deadline. */
export function knownApiKeyBytes(presented: string, known: KnownApiKey): number {
  const { parsed, record } = known;
  const parse = objectBytes(3) + stringBytes(parsed.lookupHash);
  return (
    ENTRY_OVERHEAD_BYTES +
    INDEX_SLOT_BYTES +
    stringBytes(presented) +
    objectBytes(3) +
    NUMBER_BYTES +
    parse +
    (record ? apiKeyRecordBytes(record) : 0)
  );
}

function apiKeyRecordBytes(record: ApiKeyRecord): number {
  const list = (items: readonly string[] | null) =>
    items ? objectBytes(items.length) + items.reduce((sum, item) => sum + stringBytes(item), 0) : 0;
  const timestamps = [record.expiresAt, record.revokedAt, record.graceUntil].filter((at) => at !== null).length;
  return (
    objectBytes(12) +
    stringBytes(record.publicId) +
    stringBytes(record.tenantId) +
    list(record.permissions) +
    list(record.allowedOrigins) +
    timestamps * NUMBER_BYTES
  );
}

/** Presented key's lookup hash → the presented key, so a revocation (which knows the hash) finds the entry. */
const presentedByHash = new Map<string, string>();

const isolateCache = new LruCache<string, KnownApiKey>({
  maxBytes: CACHE_BUDGET_BYTES.apiKeys,
  sizeOf: knownApiKeyBytes,
  onEvict: (_presented, known) => presentedByHash.delete(known.parsed.lookupHash),
});

/**
 * Sets the memory tier's budget: tests show with a thousand keys what the real budget
 * (`CACHE_BUDGET_BYTES.apiKeys`, the default) does with tens of thousands.
 */
export function resizeApiKeyCache(maxBytes: number = CACHE_BUDGET_BYTES.apiKeys): void {
  isolateCache.resize(maxBytes);
}

/** Concurrent cold requests with one key share one resolution (one Cache API read, one D1 read). */
const resolving = new Map<string, Promise<KnownApiKey>>();
/** Bumped by every `forgetApiKey`: a resolution that started before one is not remembered. */
let forgetCount = 0;

function remember(presented: string, known: KnownApiKey): void {
  if (isolateCache.set(presented, known)) presentedByHash.set(known.parsed.lookupHash, presented);
}

async function resolveRecord(deps: Deps, parsed: ParsedApiKey): Promise<KnownApiKey> {
  const nowMs = deps.now.getTime();
  const isolateDeadline = nowMs + deps.config.apiKeyCacheSeconds * 1000;
  const edgeTtlSeconds = deps.config.apiKeyEdgeCacheSeconds;
  const edgeTtlMs = edgeTtlSeconds * 1000;
  const { lookupHash } = parsed;

  if (edgeTtlMs > 0) {
    const edge = await readEdgeCachedApiKey(lookupHash);
    if (edge && nowMs - edge.resolvedAt < edgeTtlMs) {
      return { parsed, record: edge.record, freshUntil: Math.min(isolateDeadline, edge.resolvedAt + edgeTtlMs) };
    }
  }

  // The primary, never a replica: a replica's lag has no bound, and a revocation must land within
  // the cache bounds above (docs/api-keys.md). This read happens once per key and location per
  // `API_KEY_EDGE_CACHE_SECONDS`.
  const record = await findApiKeyRecordByHash(primaryOf(deps.db), lookupHash);
  if (edgeTtlMs > 0) {
    deps.defer(writeEdgeCachedApiKey(lookupHash, { record, resolvedAt: nowMs }, edgeTtlSeconds));
  }
  return { parsed, record, freshUntil: isolateDeadline };
}

function resolveOnce(deps: Deps, presented: string, parsed: ParsedApiKey): Promise<KnownApiKey> {
  const inFlight = resolving.get(presented);
  if (inFlight) return inFlight;
  const forgetsBefore = forgetCount;
  const resolution = resolveRecord(deps, parsed)
    .then((known) => {
      if (forgetCount === forgetsBefore) remember(presented, known);
      return known;
    })
    .finally(() => {
      if (resolving.get(presented) === resolution) resolving.delete(presented);
    });
  resolving.set(presented, resolution);
  return resolution;
}

/**
 * A presented key's parse and record (null record: no key has its hash), or null when it does not
 * parse: wrong length, prefix, alphabet or checksum, refused without any storage read.
 */
export async function findApiKey(deps: Deps, presented: string): Promise<KnownApiKey | null> {
  const known = isolateCache.get(presented);
  if (known && known.freshUntil > deps.now.getTime()) return known;
  const parsed = known?.parsed ?? (await parseApiKey(presented));
  if (!parsed) return null;
  return resolveOnce(deps, presented, parsed);
}

/** Drops a key from this isolate and this location's Cache API (after revoking or rolling it). */
export async function forgetApiKey(lookupHash: string): Promise<void> {
  forgetCount += 1;
  resolving.clear();
  const presented = presentedByHash.get(lookupHash);
  if (presented !== undefined) {
    isolateCache.delete(presented);
    presentedByHash.delete(lookupHash);
  }
  await deleteEdgeCachedApiKey(lookupHash);
}
