import { BoundedMap } from "../../bounded-map";
import { randomId } from "../../crypto/random";
import type { UserPrincipal, UserType } from "../../domain";
import {
  deleteSession,
  getSession,
  listSessionIds,
  putSession,
  type SessionKind,
  type SessionRecord,
} from "../../storage/session-store";
import type { Deps } from "../deps";

/**
 * Session liveness, cached per isolate for `sessionLivenessCacheSeconds` so a warm authenticated
 * request costs no KV read. The isolate that revokes a session drops it from its cache at once;
 * other isolates notice within the cache lifetime, plus KV's own propagation (up to 60 s) in other
 * locations.
 */
const livenessCache = new BoundedMap<string, { record: SessionRecord; cachedUntil: number }>(10_000);

function cacheKey(userPublicId: string, sessionId: string) {
  return `${userPublicId}:${sessionId}`;
}

export interface NewSession {
  userPublicId: string;
  userType: UserType;
  kind: SessionKind;
  ttlSeconds: number;
  secretHash?: string;
  userAgent?: string;
  ip?: string;
}

/** The principal a live session authenticates as: `jwt` for a token session, `session` for a cookie. */
export function sessionPrincipal(session: SessionRecord): UserPrincipal {
  return {
    method: session.kind === "token" ? "jwt" : "session",
    userPublicId: session.userPublicId,
    userType: session.userType,
    sessionId: session.id,
  };
}

export async function startSession(deps: Deps, input: NewSession): Promise<SessionRecord> {
  const nowMs = deps.now.getTime();
  const { ttlSeconds, ...rest } = input;
  const record: SessionRecord = { ...rest, id: randomId(), createdAt: nowMs, expiresAt: nowMs + ttlSeconds * 1000 };
  await putSession(deps.kv, record, nowMs);
  return record;
}

/**
 * Concurrent misses for one session share one KV read, so when a hot session's cache entry lapses
 * the isolate does not send a burst of identical reads.
 */
const readsInFlight = new Map<string, Promise<SessionRecord | null>>();

function readSessionOnce(deps: Deps, key: string, userPublicId: string, sessionId: string) {
  let read = readsInFlight.get(key);
  if (!read) {
    read = getSession(deps.kv, userPublicId, sessionId).finally(() => readsInFlight.delete(key));
    readsInFlight.set(key, read);
  }
  return read;
}

/** The session if it is still live, or null if it was revoked or has expired. */
export async function findLiveSession(
  deps: Deps,
  userPublicId: string,
  sessionId: string,
): Promise<SessionRecord | null> {
  const nowMs = deps.now.getTime();
  const key = cacheKey(userPublicId, sessionId);
  const cached = livenessCache.get(key);
  if (cached && cached.cachedUntil > nowMs && cached.record.expiresAt > nowMs) return cached.record;

  const record = await readSessionOnce(deps, key, userPublicId, sessionId);
  if (!record || record.expiresAt <= nowMs) {
    livenessCache.delete(key);
    return null;
  }
  const cacheMs = deps.config.sessionLivenessCacheSeconds * 1000;
  if (cacheMs > 0) {
    livenessCache.set(key, { record, cachedUntil: nowMs + cacheMs });
  }
  return record;
}

export async function revokeSession(deps: Deps, userPublicId: string, sessionId: string): Promise<void> {
  livenessCache.delete(cacheKey(userPublicId, sessionId));
  readsInFlight.delete(cacheKey(userPublicId, sessionId));
  await deleteSession(deps.kv, userPublicId, sessionId);
}

/** Ends every session of a user (account disabled, "log out everywhere"). */
export async function revokeAllSessions(deps: Deps, userPublicId: string, exceptSessionId?: string): Promise<number> {
  const ids = (await listSessionIds(deps.kv, userPublicId)).filter((id) => id !== exceptSessionId);
  await Promise.all(ids.map((id) => revokeSession(deps, userPublicId, id)));
  return ids.length;
}
