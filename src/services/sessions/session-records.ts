import { randomId } from "../../crypto/random";
import type { UserPrincipal, UserType } from "../../domain";
import {
  CACHE_BUDGET_BYTES,
  ENTRY_OVERHEAD_BYTES,
  jsonValueBytes,
  NUMBER_BYTES,
  objectBytes,
  stringBytes,
} from "../../isolate-memory";
import { LruCache } from "../../lru-cache";
import {
  type AccountRevocation,
  getAccountRevocation,
  putAccountRevocation,
} from "../../storage/account-revocation-store";
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
const livenessCache = new LruCache<string, { record: SessionRecord; cachedUntil: number }>({
  maxBytes: CACHE_BUDGET_BYTES.sessionLiveness,
  sizeOf: (key, cached) =>
    ENTRY_OVERHEAD_BYTES + stringBytes(key) + objectBytes(2) + NUMBER_BYTES + jsonValueBytes(cached.record),
});

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
  // `deps.now` is the login request's start, before it read the account as active: a disable that
  // lands between that read and this write is later than `authorizedAt`, so it ends this session.
  const record: SessionRecord = {
    ...rest,
    id: randomId(),
    createdAt: nowMs,
    authorizedAt: nowMs,
    expiresAt: nowMs + ttlSeconds * 1000,
  };
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

/**
 * A user's account revocation, cached per isolate exactly as long as session liveness (absence
 * included, or every request of an ordinary user would read KV), so the account check adds no KV
 * read to a warm request and revocation reaches other isolates within the same bound as logout.
 */
const revocationCache = new LruCache<string, { record: AccountRevocation | null; cachedUntil: number }>({
  maxBytes: CACHE_BUDGET_BYTES.accountRevocations,
  sizeOf: (userPublicId, cached) =>
    ENTRY_OVERHEAD_BYTES + stringBytes(userPublicId) + objectBytes(2) + NUMBER_BYTES + jsonValueBytes(cached.record),
});
const revocationReadsInFlight = new Map<string, Promise<AccountRevocation | null>>();

async function findAccountRevocation(deps: Deps, userPublicId: string): Promise<AccountRevocation | null> {
  const nowMs = deps.now.getTime();
  const cached = revocationCache.get(userPublicId);
  if (cached && cached.cachedUntil > nowMs) return cached.record;
  let read = revocationReadsInFlight.get(userPublicId);
  if (!read) {
    read = getAccountRevocation(deps.kv, userPublicId).finally(() => revocationReadsInFlight.delete(userPublicId));
    revocationReadsInFlight.set(userPublicId, read);
  }
  const record = await read;
  const cacheMs = deps.config.sessionLivenessCacheSeconds * 1000;
  if (cacheMs > 0) revocationCache.set(userPublicId, { record, cachedUntil: nowMs + cacheMs });
  return record;
}

/** Whether an account revocation ends this session (≤, so a login racing it to the millisecond loses). */
export function isRevokedByAccount(session: SessionRecord, revocation: AccountRevocation | null): boolean {
  if (!revocation) return false;
  if (revocation.disabled) return true;
  if (session.id === revocation.keepSessionId) return false;
  return (session.authorizedAt ?? session.createdAt) <= revocation.sessionsNotBefore;
}

async function findUnexpiredSession(deps: Deps, userPublicId: string, sessionId: string) {
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

/**
 * The session if it is still live, or null if it was revoked (itself, or its whole account), or
 * has expired. On a cold cache the session and the account's revocation are two keyed KV reads,
 * sent together; warm, neither.
 */
export async function findLiveSession(
  deps: Deps,
  userPublicId: string,
  sessionId: string,
): Promise<SessionRecord | null> {
  const [record, revocation] = await Promise.all([
    findUnexpiredSession(deps, userPublicId, sessionId),
    findAccountRevocation(deps, userPublicId),
  ]);
  if (!record || isRevokedByAccount(record, revocation)) return null;
  return record;
}

/**
 * Ends every session of a user authorized until now (but `keepSessionId`), through one keyed record
 * that every check reads: at once in this isolate, within `sessionLivenessCacheSeconds` in other
 * isolates of this location, plus KV's propagation (up to 60 s) elsewhere. `disabled` ends every
 * session, whenever authorized, for as long as it is set.
 */
export async function revokeAccountSessions(
  deps: Deps,
  userPublicId: string,
  options: { disabled: boolean; keepSessionId?: string },
): Promise<void> {
  const record: AccountRevocation = { sessionsNotBefore: deps.now.getTime(), ...options };
  revocationCache.set(userPublicId, {
    record,
    cachedUntil: deps.now.getTime() + deps.config.sessionLivenessCacheSeconds * 1000,
  });
  revocationReadsInFlight.delete(userPublicId);
  await putAccountRevocation(deps.kv, userPublicId, record);
}

/**
 * `deps` with `now` read again. Workers' clock moves only across I/O, so after an awaited write
 * this is later than that write: a revocation that must also end logins which read what the write
 * replaced (an old password hash) takes its `sessionsNotBefore` from here, not from the start of
 * the request.
 */
export function depsAfterWrite(deps: Deps): Deps {
  return { ...deps, now: new Date(Math.max(deps.now.getTime(), Date.now())) };
}

export async function revokeSession(deps: Deps, userPublicId: string, sessionId: string): Promise<void> {
  livenessCache.delete(cacheKey(userPublicId, sessionId));
  readsInFlight.delete(cacheKey(userPublicId, sessionId));
  await deleteSession(deps.kv, userPublicId, sessionId);
}

/**
 * Deletes the records of a user's sessions, for tidiness only (the session list, KV space): KV's
 * `list` can miss a fresh session, so what ends them is `revokeAccountSessions`.
 */
export async function deleteAllSessions(deps: Deps, userPublicId: string, exceptSessionId?: string): Promise<number> {
  const ids = (await listSessionIds(deps.kv, userPublicId)).filter((id) => id !== exceptSessionId);
  await Promise.all(ids.map((id) => revokeSession(deps, userPublicId, id)));
  return ids.length;
}
