import type { ApiKeyRecord } from "./api-keys";
import { deleteEntry, matchJsonEntry, putJsonEntry } from "./edge-cache";
import { cacheApiKeys } from "./keys";

/**
 * Resolved API keys in the Cache API (`caches.default`), shared by every isolate of one Cloudflare
 * location. Entries sit under a synthetic URL made from the key's hash, never the key
 * (`cacheApiKeys.apiKey` in `keys.ts`), hold the record or `null` for "no such key", and say when
 * they were read from D1 so a reader can bound their age by its own clock as well as by `max-age`.
 *
 * The Cache API is per location: `delete` only reaches the location that runs it, which is why a
 * revocation elsewhere waits for `max-age` (at most 60 s, see config) unless the reader's change feed
 * already knows of it (`asOfSeq`). On `*.workers.dev` the
 * Cache API does nothing, and every isolate-cache miss reads D1.
 */
export interface EdgeCachedApiKey {
  record: ApiKeyRecord | null;
  /** The key change feed's newest seq when the record was read; null with a null record. */
  asOfSeq: number | null;
  /** When the record was read from D1, epoch ms. */
  resolvedAt: number;
}

/**
 * The Cache API is only ever a shortcut: a read that fails is a miss (the caller reads D1), and a
 * write or delete that fails is logged and forgotten. A failed delete leaves a revoked key usable
 * at this location until its `max-age` (the same bound every other location already has), except
 * in the isolate that revoked it (`forgetApiKey`). A call that misses its deadline has failed.
 */
function cacheFailed(operation: string, err: unknown): void {
  const detail = err instanceof Error ? `${err.name}: ${err.message}`.slice(0, 200) : "unknown";
  console.warn(JSON.stringify({ level: "warn", event: "cache_api_failed", cache: "api_key", operation, detail }));
}

export async function readEdgeCachedApiKey(lookupHash: string): Promise<EdgeCachedApiKey | null> {
  try {
    return await matchJsonEntry<EdgeCachedApiKey>(cacheApiKeys.apiKey(lookupHash));
  } catch (err) {
    cacheFailed("match", err);
    return null;
  }
}

export async function writeEdgeCachedApiKey(
  lookupHash: string,
  entry: EdgeCachedApiKey,
  maxAgeSeconds: number,
): Promise<void> {
  try {
    await putJsonEntry(cacheApiKeys.apiKey(lookupHash), entry, maxAgeSeconds);
  } catch (err) {
    cacheFailed("put", err);
  }
}

export async function deleteEdgeCachedApiKey(lookupHash: string): Promise<void> {
  try {
    await deleteEntry(cacheApiKeys.apiKey(lookupHash));
  } catch (err) {
    cacheFailed("delete", err);
  }
}
