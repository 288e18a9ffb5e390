import type { PublicJwk } from "../domain";
import { matchJsonEntry, putJsonEntry } from "./edge-cache";
import { cacheApiKeys } from "./keys";

/**
 * Identity providers' fetched JWKS in the Cache API (`caches.default`), shared by every isolate of
 * one Cloudflare location so that a new isolate need not ask the provider again. Entries sit under
 * a synthetic URL made from the JWKS URL (`cacheApiKeys.jwks` in `keys.ts`) and say when the set
 * was fetched, so a reader judges freshness and the stale fallback by its own clock; `max-age`
 * only bounds how long the entry is kept at all.
 *
 * Only sets fetched from a provider's URL come here; inline sets never leave their database row.
 * The Cache API is per location, and on `*.workers.dev` it does nothing (every read misses).
 */
export interface EdgeCachedJwks {
  keys: PublicJwk[];
  /** When the set was fetched from the provider, epoch ms. */
  fetchedAtMs: number;
}

/**
 * The cached set for `jwksUrl`, or null when there is none or it cannot be read in time (a miss,
 * never an error).
 */
export async function readEdgeCachedJwks(jwksUrl: string): Promise<EdgeCachedJwks | null> {
  try {
    const entry = await matchJsonEntry<EdgeCachedJwks>(cacheApiKeys.jwks(jwksUrl));
    if (!entry) return null;
    return Array.isArray(entry.keys) && typeof entry.fetchedAtMs === "number" ? entry : null;
  } catch {
    return null;
  }
}

export async function writeEdgeCachedJwks(
  jwksUrl: string,
  entry: EdgeCachedJwks,
  maxAgeSeconds: number,
): Promise<void> {
  try {
    await putJsonEntry(cacheApiKeys.jwks(jwksUrl), entry, maxAgeSeconds);
  } catch {
    // A shortcut only: a failed write costs a later isolate one more fetch from the provider.
  }
}
