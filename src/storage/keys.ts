/**
 * Every key Gatehouse stores outside D1, in one place: the storage schema of the KV namespace
 * (`kvKeys`) and of this location's Cache API (`cacheApiKeys`). D1's schema is `schema.ts`.
 *
 * KV
 *
 *   session:{userPublicId}:{sessionId}  -> SessionRecord JSON, expires with the session.
 *       Keyed under the user so that all of a user's sessions can be listed (and ended) with one
 *       prefix `list`, while a request that carries both ids reads exactly one key. Ping token
 *       sessions (`kind: "token"`) and PingPage cookie sessions (`kind: "cookie"`, with the
 *       SHA-256 of the cookie secret as `secretHash`) share this prefix, and so do dashboard
 *       sessions (`kind: "dashboard"`, shaped like cookie sessions).
 *
 *   pers-family:{familyId}  -> PersFamilyRecord JSON: whether a PERS refresh-token family (one
 *       token exchange and all its rotations) is live or revoked. Read by every PERS refresh and
 *       by `/v2/auth/verify`; rewritten by each rotation (extending its expiry with the new refresh
 *       token's) and by revocation. Expires with the family's newest refresh token. The rotation
 *       check-and-set itself is in D1 (`refresh_tokens`), never here: KV has no compare-and-swap.
 *
 *   tenant-suspended:{tenantPublicId}  -> `{"at": ms}`, present while the business (PERS tenant)
 *       is suspended; D1's `businesses.status` is the truth, and each status change through
 *       Gatehouse writes or deletes this key after it. Read (cached per isolate like a family
 *       record) with every PERS access token the gateway checks, so a suspension stops them
 *       without touching D1 on a warm request. No expiry.
 *
 *   account-revocation:{userPublicId}  -> AccountRevocation JSON (`account-revocation-store.ts`):
 *       `{sessionsNotBefore, disabled, keepSessionId?}`, written when an account is disabled and by
 *       "log out everywhere else". Read (one keyed read, cached per isolate beside the session)
 *       by every Ping bearer, refresh and cookie check, so ending all of a user's sessions never
 *       depends on `list`. No expiry.
 *
 * Cache API (`caches.default`, per location)
 *
 *   The Cache API is keyed by URL. Gatehouse's entries sit under synthetic URLs on hosts under
 *   `.internal`: never a URL anyone can request. `/v1` is the entry format's version (bump it to
 *   orphan old entries when their JSON changes shape).
 *
 *   https://api-key-cache.gatehouse.internal/v3/{lookupHash}  -> EdgeCachedApiKey JSON (see
 *       `api-key-edge-cache.ts`): an API key's record, or null for "no such key", with when it
 *       was read from D1. Keyed by the key's lookup hash, never the key. `max-age` is
 *       `apiKeyEdgeCacheSeconds` (at most 60 s).
 *
 *   https://jwks-cache.gatehouse.internal/v1?url={encodeURIComponent(jwksUrl)}  -> EdgeCachedJwks
 *       JSON (see `jwks-edge-cache.ts`): an identity provider's fetched JWKS with when it was
 *       fetched. `max-age` is `jwksStaleMaxSeconds`, as long as it may serve as the stale
 *       fallback; freshness is judged by the fetch time.
 */
export const kvKeys = {
  session: (userPublicId: string, sessionId: string) => `session:${userPublicId}:${sessionId}`,
  sessionsOfUser: (userPublicId: string) => `session:${userPublicId}:`,
  persFamily: (familyId: string) => `pers-family:${familyId}`,
  tenantSuspension: (tenantPublicId: string) => `tenant-suspended:${tenantPublicId}`,
  accountRevocation: (userPublicId: string) => `account-revocation:${userPublicId}`,
};

export const cacheApiKeys = {
  // The path names the entry's shape: v3 entries carry the change feed's `asOfSeq`, so entries
  // cached before it existed (v1, v2) are never read and come again from D1.
  apiKey: (lookupHash: string) => `https://api-key-cache.gatehouse.internal/v3/${lookupHash}`,
  jwks: (jwksUrl: string) => `https://jwks-cache.gatehouse.internal/v1?url=${encodeURIComponent(jwksUrl)}`,
};

/** KV refuses expirations less than 60 s away. */
export const KV_MIN_TTL_SECONDS = 60;

/** An absolute KV expiration (seconds since epoch) no earlier than KV accepts. */
export function kvExpiration(expiresAtMs: number, nowMs: number): number {
  return Math.max(Math.ceil(expiresAtMs / 1000), Math.ceil(nowMs / 1000) + KV_MIN_TTL_SECONDS);
}
