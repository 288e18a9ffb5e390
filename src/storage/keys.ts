/**
 * Every KV key Gatehouse writes, in one place (the storage schema of the KV namespace).
 *
 *   session:{userPublicId}:{sessionId}  -> SessionRecord JSON, expires with the session.
 *       Keyed under the user so that all of a user's sessions can be listed (and ended) with one
 *       prefix `list`, while a request that carries both ids reads exactly one key. Ping token
 *       sessions (`kind: "token"`) and PingPage cookie sessions (`kind: "cookie"`, with the
 *       SHA-256 of the cookie secret as `secretHash`) share this prefix.
 *       prefix `list`, while a request that carries both ids reads exactly one key.
 *
 *   pers-family:{familyId}  -> PersFamilyRecord JSON: whether a PERS refresh-token family (one
 *       token exchange and all its rotations) is live or revoked. Read by every PERS refresh and
 *       by `/v2/auth/verify`; rewritten by each rotation (extending its expiry with the new refresh
 *       token's) and by revocation. Expires with the family's newest refresh token. The rotation
 *       check-and-set itself is in D1 (`refresh_tokens`), never here: KV has no compare-and-swap.
 */
export const kvKeys = {
  session: (userPublicId: string, sessionId: string) => `session:${userPublicId}:${sessionId}`,
  sessionsOfUser: (userPublicId: string) => `session:${userPublicId}:`,
  persFamily: (familyId: string) => `pers-family:${familyId}`,
};

/** KV refuses expirations less than 60 s away. */
export const KV_MIN_TTL_SECONDS = 60;

/** An absolute KV expiration (seconds since epoch) no earlier than KV accepts. */
export function kvExpiration(expiresAtMs: number, nowMs: number): number {
  return Math.max(Math.ceil(expiresAtMs / 1000), Math.ceil(nowMs / 1000) + KV_MIN_TTL_SECONDS);
}
