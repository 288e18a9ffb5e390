import { LOCAL_SERVICE_DEADLINE_MS, withDeadline } from "../deadline";
import type { PublicJwk } from "../domain";
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
    const read = async () => {
      const cached = await caches.default.match(cacheApiKeys.jwks(jwksUrl));
      return cached ? ((await cached.json()) as EdgeCachedJwks) : null;
    };
    const entry = await withDeadline(read(), LOCAL_SERVICE_DEADLINE_MS);
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
  const response = new Response(JSON.stringify(entry), {
    headers: { "Content-Type": "application/json", "Cache-Control": `max-age=${maxAgeSeconds}` },
  });
  try {
    await withDeadline(caches.default.put(cacheApiKeys.jwks(jwksUrl), response), LOCAL_SERVICE_DEADLINE_MS);
  } catch {
    // A shortcut only: a failed write costs a later isolate one more fetch from the provider.
  }
}
