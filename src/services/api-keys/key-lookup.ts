import { type ParsedApiKey, parseApiKey } from "../../crypto/api-key-format";
import { CACHE_BUDGET_BYTES, ENTRY_OVERHEAD_BYTES, NUMBER_BYTES, objectBytes, stringBytes } from "../../isolate-memory";
import { LruCache } from "../../lru-cache";
import { deleteEdgeCachedApiKey, readEdgeCachedApiKey, writeEdgeCachedApiKey } from "../../storage/api-key-edge-cache";
import { type ApiKeyRecord, readApiKeyForVerification } from "../../storage/api-keys";
import { primaryOf } from "../../storage/d1-sessions";
import type { Deps } from "../deps";
import { type Dropped, KeyChangeFeed } from "./key-change-feed";

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
 * Memory answers only while the isolate has read the key change feed (`key-change-feed.ts`)
 * within the revocation bound, `max(apiKeyCacheSeconds, apiKeyEdgeCacheSeconds)`: every read drops
 * the keys changed since the one before, so whatever memory still holds is current as of the last
 * read. The feed is read again after a response once `apiKeyCacheSeconds` have passed, and before
 * answering only when the bound has (an idle isolate). So a key in memory stays warm for as long
 * as the isolate lives and has room for it, and what keeps a thousand keys or twelve thousand
 * current is one read per `apiKeyCacheSeconds`, not one per key. When the feed cannot be read (D1
 * down), memory serves out the bound, then every request resolves its key as a cold one would.
 *
 * A record carries the feed position it is current as of, through every tier: a Cache API entry
 * or a resolution in flight older than a change the isolate has seen is not taken. The isolate
 * that revokes forgets the key in memory and in its location's Cache API at once.
 *
 * In memory, everything a warm verification needs sits on one entry keyed by the presented key:
 * its parse (format, checksum and the one SHA-256, which never change) and its record. A warm
 * request is one cache look-up. Keys that do not parse are never remembered.
 */

export interface KnownApiKey {
  readonly parsed: ParsedApiKey;
  /** Null when no key has this hash. */
  readonly record: ApiKeyRecord | null;
  /** The change-feed seq `record` is current as of; null with a null record. */
  readonly asOfSeq: number | null;
}

/** A Map slot of `presentedByHash` (its two strings are the entry's own). */
const INDEX_SLOT_BYTES = 32;

/** What an entry holds in memory: its key, its parse (with the hash), its record and feed position. */
export function knownApiKeyBytes(presented: string, known: KnownApiKey): number {
  const { parsed, record } = known;
  const parse = objectBytes(3) + stringBytes(parsed.lookupHash);
  return (
    ENTRY_OVERHEAD_BYTES +
    INDEX_SLOT_BYTES +
    stringBytes(presented) +
    // The feed position is a small integer, held in its field.
    objectBytes(3) +
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

const feed = new KeyChangeFeed();

function remember(presented: string, known: KnownApiKey): void {
  if (!feed.trusts(known.parsed.lookupHash, known.asOfSeq)) return;
  if (isolateCache.set(presented, known)) presentedByHash.set(known.parsed.lookupHash, presented);
}

/** Drops from memory what a feed read says changed after the record memory holds. */
function dropChanged(dropped: Dropped): void {
  if (dropped === "all") {
    isolateCache.clear();
    presentedByHash.clear();
    return;
  }
  for (const { lookupHash, seq } of dropped) {
    const presented = presentedByHash.get(lookupHash);
    if (presented === undefined) continue;
    const asOfSeq = isolateCache.peek(presented)?.asOfSeq;
    if (typeof asOfSeq === "number" && asOfSeq >= seq) continue;
    isolateCache.delete(presented);
    presentedByHash.delete(lookupHash);
  }
}

/** How long, in ms, memory goes between feed reads, and may answer without one (the revocation bound). */
function lifetimesOf(config: Deps["config"]) {
  const isolateMs = config.apiKeyCacheSeconds * 1000;
  const edgeMs = config.apiKeyEdgeCacheSeconds * 1000;
  return { isolateMs, edgeMs, boundMs: Math.max(isolateMs, edgeMs) };
}

/**
 * The key's record from the Cache API when that entry is younger than `apiKeyEdgeCacheSeconds`
 * and no change the feed reported came after it, else from D1's primary (refreshing the Cache API
 * after the response).
 */
async function resolveRecord(deps: Deps, parsed: ParsedApiKey): Promise<KnownApiKey> {
  const nowMs = deps.now.getTime();
  const { edgeMs } = lifetimesOf(deps.config);
  const { lookupHash } = parsed;

  if (edgeMs > 0) {
    const edge = await readEdgeCachedApiKey(lookupHash);
    const age = edge ? nowMs - edge.resolvedAt : Number.POSITIVE_INFINITY;
    const current = edge && feed.trusts(lookupHash, edge.asOfSeq) && !forgottenSince(lookupHash, edge.resolvedAt);
    if (current && age >= 0 && age < edgeMs) {
      return { parsed, record: edge.record, asOfSeq: edge.asOfSeq };
    }
  }

  // The primary, never a replica: a replica's lag has no bound, and a revocation must land within
  // the cache bounds above (docs/api-keys.md).
  const { record, asOfSeq } = await readApiKeyForVerification(primaryOf(deps.db), lookupHash);
  if (edgeMs > 0) {
    const entry = { record, asOfSeq, resolvedAt: nowMs };
    deps.defer(writeEdgeCachedApiKey(lookupHash, entry, deps.config.apiKeyEdgeCacheSeconds));
  }
  return { parsed, record, asOfSeq };
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
 * Whether memory may answer at `nowMs` when `apiKeyCacheSeconds` have passed since the last feed
 * read: at once within the bound (the feed is read again after the response), else once the feed
 * has been read (an idle isolate).
 */
async function memoryAnswersOnceDue(deps: Deps, nowMs: number): Promise<boolean> {
  const { boundMs } = lifetimesOf(deps.config);
  if (feed.ageAt(nowMs) < boundMs) {
    deps.defer(feed.sync(deps, dropChanged));
    return true;
  }
  await feed.sync(deps, dropChanged);
  return feed.ageAt(nowMs) < boundMs;
}

/**
 * A presented key's parse and record (null record: no key has its hash), or null when it does not
 * parse: wrong length, prefix, alphabet or checksum, refused without any storage read.
 */
export async function findApiKey(deps: Deps, presented: string): Promise<KnownApiKey | null> {
  const nowMs = deps.now.getTime();
  const { isolateMs } = lifetimesOf(deps.config);
  const known = isolateCache.get(presented);
  // A zero memory lifetime turns the memory tier off: entries only spare the key's parse.
  if (known && isolateMs > 0) {
    if (feed.ageAt(nowMs) < isolateMs) return known;
    if ((await memoryAnswersOnceDue(deps, nowMs)) && isolateCache.peek(presented) === known) return known;
  }
  const parsed = known?.parsed ?? (await parseApiKey(presented));
  if (!parsed) return null;
  // A cold key does not wait for the feed, but keeps it read so that memory can answer next time.
  if (isolateMs > 0 && feed.ageAt(nowMs) >= isolateMs) deps.defer(feed.sync(deps, dropChanged));
  return resolveOnce(deps, presented, parsed);
}

/**
 * When this isolate last forgot each key (epoch ms), by lookup hash: a Cache API entry resolved
 * before then is not taken, so a delete from the Cache API that failed or stalled never brings a
 * key this isolate just revoked back into it. Entries older than `apiKeyEdgeCacheSeconds` no
 * longer matter (the entry they guard against is refused as too old), so losing the least recent
 * ones to the budget costs nothing but the documented bound.
 */
const forgottenAt = new LruCache<string, number>({
  maxBytes: CACHE_BUDGET_BYTES.forgottenApiKeys,
  sizeOf: (lookupHash) => ENTRY_OVERHEAD_BYTES + stringBytes(lookupHash) + NUMBER_BYTES,
});

function forgottenSince(lookupHash: string, resolvedAt: number): boolean {
  const at = forgottenAt.get(lookupHash);
  return at !== undefined && resolvedAt <= at;
}

/** Drops a key from this isolate and this location's Cache API (after revoking or rolling it at `nowMs`). */
export async function forgetApiKey(lookupHash: string, nowMs: number): Promise<void> {
  forgetCount += 1;
  forgottenAt.set(lookupHash, nowMs);
  resolving.clear();
  const presented = presentedByHash.get(lookupHash);
  if (presented !== undefined) {
    isolateCache.delete(presented);
    presentedByHash.delete(lookupHash);
  }
  await deleteEdgeCachedApiKey(lookupHash);
}
