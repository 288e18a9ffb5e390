import type { ApiKeyRecord } from "./api-keys";

/**
 * Resolved API keys in the Cache API (`caches.default`), shared by every isolate of one Cloudflare
 * location. Entries sit under a synthetic URL made from the key's hash (never the key), hold the
 * record or `null` for "no such key", and say when they were read from D1 so a reader can bound
 * their age by its own clock as well as by `max-age`.
 *
 * The Cache API is per location: `delete` only reaches the location that runs it, which is why a
 * revocation elsewhere waits for `max-age` (at most 60 s, see config). On `*.workers.dev` the
 * Cache API does nothing, and every isolate-cache miss reads D1.
 */
export interface EdgeCachedApiKey {
  record: ApiKeyRecord | null;
  /** When the record was read from D1, epoch ms. */
  resolvedAt: number;
}

// The path names the record's shape: v2 records carry `allowedOrigins`. Entries cached before it
// existed (v1, without the field) are simply not found here and are read again from D1.
const CACHE_ORIGIN = "https://api-key-cache.gatehouse.internal/v2/";

function cacheUrl(lookupHash: string): string {
  return `${CACHE_ORIGIN}${lookupHash}`;
}

export async function readEdgeCachedApiKey(lookupHash: string): Promise<EdgeCachedApiKey | null> {
  const response = await caches.default.match(cacheUrl(lookupHash));
  if (!response) return null;
  try {
    return (await response.json()) as EdgeCachedApiKey;
  } catch {
    return null;
  }
}

export async function writeEdgeCachedApiKey(
  lookupHash: string,
  entry: EdgeCachedApiKey,
  maxAgeSeconds: number,
): Promise<void> {
  const response = new Response(JSON.stringify(entry), {
    headers: { "Content-Type": "application/json", "Cache-Control": `max-age=${maxAgeSeconds}` },
  });
  await caches.default.put(cacheUrl(lookupHash), response);
}

export async function deleteEdgeCachedApiKey(lookupHash: string): Promise<void> {
  await caches.default.delete(cacheUrl(lookupHash));
}
