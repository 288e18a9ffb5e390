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
 *   1. this isolate's memory;
 *   2. the Cache API of this location, for `apiKeyEdgeCacheSeconds` (≤ 60 s);
 *   3. D1's primary.
 *
 * Every tier holds the whole record, revoked and expired ones included (and "no such key"), so a
 * refusal is cached as well as an acceptance; expiry and grace periods are judged against `now` on
 * every request, never cached.
 *
 * A record carries when it was read from D1, through every tier, and no tier serves it longer
 * than `max(apiKeyCacheSeconds, apiKeyEdgeCacheSeconds)` after that: the bound on how long a
 * revocation made elsewhere takes to reach this isolate. The isolate that revokes forgets the key
 * in memory and in its location's Cache API at once.
 *
 * Within that bound a key in use never waits for storage: once its entry has been in memory for
 * `apiKeyCacheSeconds`, or its record is half the bound old, the next request is answered from
 * memory and resolves the key again after the response. That re-resolution takes the Cache API's
 * entry when it is younger than half the bound (another isolate refreshed it), else reads D1 and
 * refreshes the Cache API. So expiries are spread over the keys' own traffic rather than falling
 * due together, and a key in steady use is read from D1 about once per half bound and location.
 * Each entry is re-resolved at most once in the background: when that fails (D1 down), the entry
 * serves out its bound and the next request resolves the key itself, as any cold one.
 *
 * In memory, everything a warm verification needs sits on one entry keyed by the presented key:
 * its parse (format, checksum and the one SHA-256, which never change) and its record with its
 * deadlines. A warm request is one cache look-up; a key whose record lapsed is resolved again
 * without being hashed again. Keys that do not parse are never remembered.
 */

export interface KnownApiKey {
  readonly parsed: ParsedApiKey;
  /** Null when no key has this hash. */
  readonly record: ApiKeyRecord | null;
  /** Until when (epoch ms) `record` may be served from memory. */
  readonly freshUntil: number;
  /** From when (epoch ms) a request served from this entry resolves the key again, after the response. */
  readonly refreshFrom: number;
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
    objectBytes(4) +
    2 * NUMBER_BYTES +
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

/** How long, in ms, the tiers may serve a record after it was read from D1 and until it is refreshed. */
function lifetimesOf(config: Deps["config"]) {
  const isolateMs = config.apiKeyCacheSeconds * 1000;
  const edgeMs = config.apiKeyEdgeCacheSeconds * 1000;
  const boundMs = Math.max(isolateMs, edgeMs);
  return { isolateMs, edgeMs, boundMs, refreshAgeMs: boundMs / 2 };
}

/** A memory entry for a record read from D1 at `resolvedAt`, taken into memory at `nowMs`. */
function entryOf(
  deps: Deps,
  parsed: ParsedApiKey,
  record: ApiKeyRecord | null,
  resolvedAt: number,
  nowMs: number,
): KnownApiKey {
  const { isolateMs, boundMs, refreshAgeMs } = lifetimesOf(deps.config);
  // A zero isolate lifetime turns the memory tier off: the entry keeps only the parse.
  const freshUntil = isolateMs > 0 ? resolvedAt + boundMs : nowMs;
  const refreshFrom = Math.min(nowMs + isolateMs, resolvedAt + refreshAgeMs);
  return { parsed, record, freshUntil, refreshFrom };
}

/**
 * The key's record from the Cache API when that entry is younger than `maxEdgeAgeMs`, else from
 * D1's primary (refreshing the Cache API after the response).
 */
async function resolveRecord(deps: Deps, parsed: ParsedApiKey, maxEdgeAgeMs: number): Promise<KnownApiKey> {
  const nowMs = deps.now.getTime();
  const { edgeMs } = lifetimesOf(deps.config);
  const { lookupHash } = parsed;

  if (edgeMs > 0) {
    const edge = await readEdgeCachedApiKey(lookupHash);
    if (edge && nowMs - edge.resolvedAt < Math.min(maxEdgeAgeMs, edgeMs)) {
      return entryOf(deps, parsed, edge.record, edge.resolvedAt, nowMs);
    }
  }

  // The primary, never a replica: a replica's lag has no bound, and a revocation must land within
  // the cache bounds above (docs/api-keys.md).
  const record = await findApiKeyRecordByHash(primaryOf(deps.db), lookupHash);
  if (edgeMs > 0) {
    deps.defer(writeEdgeCachedApiKey(lookupHash, { record, resolvedAt: nowMs }, deps.config.apiKeyEdgeCacheSeconds));
  }
  return entryOf(deps, parsed, record, nowMs, nowMs);
}

function resolveOnce(deps: Deps, presented: string, parsed: ParsedApiKey, maxEdgeAgeMs: number): Promise<KnownApiKey> {
  const inFlight = resolving.get(presented);
  if (inFlight) return inFlight;
  const forgetsBefore = forgetCount;
  const resolution = resolveRecord(deps, parsed, maxEdgeAgeMs)
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

/** Entries already re-resolved in the background once (successfully or not). */
const refreshed = new WeakSet<KnownApiKey>();

/** Resolves a served entry's key again after the response, once per entry. */
function refreshAfterResponse(deps: Deps, presented: string, known: KnownApiKey): void {
  if (refreshed.has(known)) return;
  refreshed.add(known);
  const { refreshAgeMs } = lifetimesOf(deps.config);
  deps.defer(
    resolveOnce(deps, presented, known.parsed, refreshAgeMs).catch((err: unknown) => {
      const detail = err instanceof Error ? err.name : "unknown";
      console.warn(JSON.stringify({ level: "warn", event: "api_key_refresh_failed", detail }));
    }),
  );
}

/**
 * A presented key's parse and record (null record: no key has its hash), or null when it does not
 * parse: wrong length, prefix, alphabet or checksum, refused without any storage read.
 */
export async function findApiKey(deps: Deps, presented: string): Promise<KnownApiKey | null> {
  const nowMs = deps.now.getTime();
  const known = isolateCache.get(presented);
  if (known && known.freshUntil > nowMs) {
    if (nowMs >= known.refreshFrom) refreshAfterResponse(deps, presented, known);
    return known;
  }
  const parsed = known?.parsed ?? (await parseApiKey(presented));
  if (!parsed) return null;
  return resolveOnce(deps, presented, parsed, Number.POSITIVE_INFINITY);
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
