import type { CryptoKey } from "jose";
import { importVerificationKey, keyFitsAlgorithm } from "../../crypto/jwks";
import type { IdpAlgorithm, PublicJwk } from "../../domain";
import { isLocalDevelopment } from "../../env";
import {
  CACHE_BUDGET_BYTES,
  ENTRY_OVERHEAD_BYTES,
  jsonValueBytes,
  NUMBER_BYTES,
  OPAQUE_OBJECT_BYTES,
  objectBytes,
  stringBytes,
} from "../../isolate-memory";
import { LruCache } from "../../lru-cache";
import { isPublicHost } from "../../public-host";
import { type EdgeCachedJwks, readEdgeCachedJwks, writeEdgeCachedJwks } from "../../storage/jwks-edge-cache";
import type { Deps } from "../deps";
import { fetchJwks } from "./jwks-fetch";

/**
 * Identity providers' keys, in three tiers: this isolate (a Map, with imported `CryptoKey`s), this
 * location (the Cache API, shared by the isolates of a data centre), then the provider itself.
 *
 * - A fetched set is fresh for `jwksCacheSeconds`; after that the next request refetches.
 * - A token whose `kid` is not in the set triggers a refetch (the provider may have rotated), at
 *   most once per `jwksRefetchCooldownSeconds` per JWKS URL per isolate, so a stream of tokens
 *   with made-up `kid`s cannot turn Gatehouse into a flood against the provider.
 * - When the provider cannot be reached, the last good set keeps verifying until it is
 *   `jwksStaleMaxSeconds` old; after that verification fails closed. A failed fetch is not
 *   retried (by this isolate) within the cooldown either.
 * - Inline sets (configured with the provider) never leave the database row; only their
 *   imported keys are cached, keyed by the row's version.
 */

type Snapshot = EdgeCachedJwks;

interface UrlEntry {
  snapshot: Snapshot | null;
  lastKidRefetchMs: number;
  retryAfterMs: number;
  inFlight: Promise<Snapshot | null> | null;
  imported: LruCache<string, Promise<CryptoKey>>;
}

type ImportedKeys = LruCache<string, Promise<CryptoKey>>;

function importedKeys(maxBytes: number): ImportedKeys {
  return new LruCache({
    maxBytes,
    sizeOf: (cacheKey) => ENTRY_OVERHEAD_BYTES + stringBytes(cacheKey) + OPAQUE_OBJECT_BYTES,
  });
}

/** Room for a provider's imported keys: a set rarely holds more than a few at once. */
const IMPORTED_KEYS_PER_URL_BYTES = 16 * 1024;

/**
 * A URL's entry, as much as its imported keys may ever hold included. Its snapshot changes when a
 * newer set is adopted, which stores the entry again so that it is sized again.
 */
function urlEntryBytes(url: string, entry: UrlEntry): number {
  const snapshot = entry.snapshot ? objectBytes(2) + NUMBER_BYTES + jsonValueBytes(entry.snapshot.keys) : 0;
  return (
    ENTRY_OVERHEAD_BYTES + stringBytes(url) + objectBytes(5) + 2 * NUMBER_BYTES + snapshot + IMPORTED_KEYS_PER_URL_BYTES
  );
}

const byUrl = new LruCache<string, UrlEntry>({ maxBytes: CACHE_BUDGET_BYTES.providerJwks, sizeOf: urlEntryBytes });
const inlineImports = importedKeys(CACHE_BUDGET_BYTES.inlineProviderKeys);

export type JwksSource =
  | { kind: "url"; url: string }
  | { kind: "inline"; cacheKey: string; keys: readonly PublicJwk[] };

export type KeyLookup =
  | { ok: true; key: CryptoKey }
  | { ok: false; reason: "unknown_kid" | "algorithm_mismatch" | "jwks_unavailable" | "jwks_url_not_public" };

function entryFor(url: string): UrlEntry {
  let entry = byUrl.get(url);
  if (!entry) {
    entry = {
      snapshot: null,
      lastKidRefetchMs: -Infinity,
      retryAfterMs: -Infinity,
      inFlight: null,
      imported: importedKeys(IMPORTED_KEYS_PER_URL_BYTES),
    };
    byUrl.set(url, entry);
  }
  return entry;
}

function writeEdge(deps: Deps, url: string, snapshot: Snapshot): void {
  // Kept as long as it may serve as the stale fallback; freshness is judged by fetchedAtMs.
  deps.defer(writeEdgeCachedJwks(url, snapshot, deps.config.jwksStaleMaxSeconds));
}

function adopt(url: string, entry: UrlEntry, snapshot: Snapshot | null): void {
  if (!snapshot || (entry.snapshot && entry.snapshot.fetchedAtMs >= snapshot.fetchedAtMs)) return;
  entry.snapshot = snapshot;
  entry.imported.clear();
  byUrl.set(url, entry);
}

/** One network fetch per isolate at a time; a failure closes the door for the cooldown. */
function fetchOnce(deps: Deps, url: string, entry: UrlEntry): Promise<Snapshot | null> {
  const nowMs = deps.now.getTime();
  if (entry.inFlight) return entry.inFlight;
  if (nowMs < entry.retryAfterMs) return Promise.resolve(null);
  const attempt = fetchJwks(url).then(
    (keys) => {
      const snapshot = { keys, fetchedAtMs: nowMs };
      adopt(url, entry, snapshot);
      writeEdge(deps, url, snapshot);
      return snapshot;
    },
    (err: unknown) => {
      entry.retryAfterMs = nowMs + deps.config.jwksRefetchCooldownSeconds * 1000;
      console.warn(JSON.stringify({ level: "warn", event: "jwks_fetch_failed", url, detail: String(err) }));
      return null;
    },
  );
  entry.inFlight = attempt.finally(() => {
    entry.inFlight = null;
  });
  return entry.inFlight;
}

function isFresh(deps: Deps, snapshot: Snapshot | null): snapshot is Snapshot {
  return snapshot !== null && deps.now.getTime() - snapshot.fetchedAtMs < deps.config.jwksCacheSeconds * 1000;
}

function isUsable(deps: Deps, snapshot: Snapshot | null): snapshot is Snapshot {
  return snapshot !== null && deps.now.getTime() - snapshot.fetchedAtMs < deps.config.jwksStaleMaxSeconds * 1000;
}

/** A set no older than the freshness bound if one can be had, else the last good one. */
async function currentSnapshot(deps: Deps, url: string, entry: UrlEntry): Promise<Snapshot | null> {
  if (isFresh(deps, entry.snapshot)) return entry.snapshot;
  adopt(url, entry, await readEdgeCachedJwks(url));
  if (isFresh(deps, entry.snapshot)) return entry.snapshot;
  await fetchOnce(deps, url, entry);
  return isUsable(deps, entry.snapshot) ? entry.snapshot : null;
}

/** The provider may have rotated: look again, at most once per cooldown. */
async function refetchForUnknownKid(deps: Deps, url: string, entry: UrlEntry): Promise<Snapshot | null> {
  const before = entry.snapshot;
  adopt(url, entry, await readEdgeCachedJwks(url));
  if (entry.snapshot !== before) return entry.snapshot;
  const nowMs = deps.now.getTime();
  if (nowMs - entry.lastKidRefetchMs < deps.config.jwksRefetchCooldownSeconds * 1000) return null;
  entry.lastKidRefetchMs = nowMs;
  return fetchOnce(deps, url, entry);
}

function importCached(cache: ImportedKeys, key: string, jwk: PublicJwk, alg: IdpAlgorithm) {
  let imported = cache.get(key);
  if (!imported) {
    imported = importVerificationKey(jwk, alg);
    cache.set(key, imported);
    imported.catch(() => cache.delete(key));
  }
  return imported;
}

async function importFrom(
  keys: readonly PublicJwk[],
  kid: string,
  alg: IdpAlgorithm,
  cache: ImportedKeys,
  cachePrefix: string,
): Promise<KeyLookup | null> {
  const jwk = keys.find((candidate) => candidate.kid === kid);
  if (!jwk) return null;
  if (!keyFitsAlgorithm(jwk, alg)) return { ok: false, reason: "algorithm_mismatch" };
  try {
    return { ok: true, key: await importCached(cache, `${cachePrefix}${kid}:${alg}`, jwk, alg) };
  } catch {
    return { ok: false, reason: "algorithm_mismatch" };
  }
}

/** The provider's key named `kid`, imported for `alg`, from the cheapest tier that has it. */
export async function findProviderKey(
  deps: Deps,
  source: JwksSource,
  kid: string,
  alg: IdpAlgorithm,
): Promise<KeyLookup> {
  if (source.kind === "inline") {
    const found = await importFrom(source.keys, kid, alg, inlineImports, `${source.cacheKey}:`);
    return found ?? { ok: false, reason: "unknown_kid" };
  }
  // A row saved before the admin API checked hosts is still never fetched from a private address.
  if (!isLocalDevelopment(deps.config) && !isPublicHost(new URL(source.url).hostname)) {
    return { ok: false, reason: "jwks_url_not_public" };
  }
  const entry = entryFor(source.url);
  const snapshot = await currentSnapshot(deps, source.url, entry);
  if (!snapshot) return { ok: false, reason: "jwks_unavailable" };
  const found = await importFrom(snapshot.keys, kid, alg, entry.imported, "");
  if (found) return found;
  const refreshed = await refetchForUnknownKid(deps, source.url, entry);
  if (!refreshed) return { ok: false, reason: "unknown_kid" };
  return (await importFrom(refreshed.keys, kid, alg, entry.imported, "")) ?? { ok: false, reason: "unknown_kid" };
}

/** Forgets this isolate's tier (as a freshly started isolate would have); the edge tier stays. */
export function forgetIsolateJwksCache(): void {
  byUrl.clear();
  inlineImports.clear();
}
