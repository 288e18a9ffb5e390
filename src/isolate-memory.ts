/**
 * Every per-isolate cache and its share of one memory budget, in one place.
 *
 * A Workers isolate has 128 MB for everything: the bundle's compiled code, each request's bodies
 * and objects, the runtime's own structures. The caches below may hold at most 48 MiB of it
 * together, by the approximate sizes their `sizeOf` functions state (`LruCache` in
 * `lru-cache.ts`), so a flood of new credentials or URLs can never push an isolate towards its
 * limit (an isolate over it is reset, which would empty every cache at once). Each cache evicts its
 * least recently used entries when full; what is dropped is only read or computed again.
 *
 * The shares follow what a warm request needs: an API-key request needs its key's entry and its
 * principal's assertion, so those two shares hold well over 12,000 keys each (the arithmetic is
 * checked by test/unit/isolate-memory.test.ts).
 */
const MiB = 1024 * 1024;

export const CACHE_BUDGET_BYTES = {
  /** Presented API key → its parse, its record and the record's freshness (services/api-keys/key-lookup.ts). */
  apiKeys: 20 * MiB,
  /** Principal and audience → a signed `X-Auth-Assertion` (gateway/assertion.ts). */
  assertions: 16 * MiB,
  /** Our own JWTs that verified recently (crypto/jwt.ts). */
  verifiedJwts: 6 * MiB - MiB / 2,
  /** API keys this isolate revoked or rolled, and when (services/api-keys/key-lookup.ts). */
  forgottenApiKeys: MiB / 4,
  /** Session records, for session liveness (services/sessions/session-records.ts). */
  sessionLiveness: 2 * MiB,
  /** Account revocations, absence included (services/sessions/session-records.ts). */
  accountRevocations: MiB / 2,
  /** PERS family records (services/token-exchange/pers-sessions.ts). */
  persFamilies: 1 * MiB,
  /** PERS tenants' suspension marks, absence included (services/token-exchange/tenant-suspensions.ts). */
  tenantSuspensions: MiB / 4,
  /** Cookie values that matched a live session (services/sessions/cookie-sessions.ts). */
  matchedCookies: MiB / 4,
  /** `Cookie` headers → their session cookie (http/session-cookie.ts). */
  sessionCookieHeaders: MiB / 4,
  /** Rate-limit keys found over their limit (services/rate-limits.ts). */
  penalties: MiB / 2,
  /** Identity providers' JWKS by URL, with their imported keys (services/token-exchange/provider-keys.ts). */
  providerJwks: (5 * MiB) / 4,
  /** Imported keys of inline identity-provider key sets (services/token-exchange/provider-keys.ts). */
  inlineProviderKeys: MiB / 4,
} as const;

export type CacheName = keyof typeof CACHE_BUDGET_BYTES;

export const TOTAL_CACHE_BUDGET_BYTES = Object.values(CACHE_BUDGET_BYTES).reduce((sum, bytes) => sum + bytes, 0);

/*
 * The size model: V8's layout without pointer compression, rounded up, so that a budget is an
 * upper bound of what its entries really hold rather than an underestimate.
 */

/** A cache's own bookkeeping per entry: the Map's slot and the cache's record of the entry's size. */
export const ENTRY_OVERHEAD_BYTES = 64;
/** A number outside the small-integer range (an epoch-ms timestamp) is a heap object of its own. */
export const NUMBER_BYTES = 16;
/** An opaque runtime object whose size JavaScript cannot see (an imported `CryptoKey`, a Promise). */
export const OPAQUE_OBJECT_BYTES = 512;

const TWO_BYTE_CHARACTER = /[\u0100-\uffff]/;

/** A string: a header, then one byte per character when all are Latin-1 (V8 stores them so), else two. */
export function stringBytes(text: string): number {
  return 16 + (TWO_BYTE_CHARACTER.test(text) ? 2 * text.length : text.length);
}

/** A plain object or array's own cells (what its fields point at is counted separately). */
export function objectBytes(fieldCount: number): number {
  return 16 + 8 * fieldCount;
}

/**
 * A plain JSON-shaped value (a record read from KV or D1, a token's payload): twice its JSON
 * text, which covers its strings, one cell and a share of an object header per field.
 */
export function jsonValueBytes(value: unknown): number {
  return 2 * (JSON.stringify(value)?.length ?? 0);
}
