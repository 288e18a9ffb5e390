import { randomId } from "../../crypto/random";
import type { ClientInfo, PersPrincipal, PersRequirements } from "../../domain";
import { AppError } from "../../errors";
import {
  CACHE_BUDGET_BYTES,
  ENTRY_OVERHEAD_BYTES,
  jsonValueBytes,
  NUMBER_BYTES,
  objectBytes,
  stringBytes,
} from "../../isolate-memory";
import { LruCache } from "../../lru-cache";
import { primaryOf } from "../../storage/d1-sessions";
import { findFamilyAuthorization } from "../../storage/pers-authorization";
import { getPersFamily, type PersFamilyRecord, putPersFamily } from "../../storage/pers-family-store";
import {
  insertRefreshTokenForActiveUser,
  type RotationState,
  revokeRefreshTokenFamily,
  rotateRefreshToken,
} from "../../storage/refresh-tokens";
import { recordAudit } from "../audit/audit-log";
import type { Deps } from "../deps";
import { enforceRateLimit, hashedRateLimitKey } from "../rate-limits";
import {
  issuePersAccessToken,
  issuePersRefreshToken,
  type PersSession,
  persTokenKindOf,
  verifyPersToken,
} from "./pers-tokens";
import type { ProjectTenant } from "./project-key";
import { refreshRefusal } from "./refresh-authorization";
import { isTenantSuspended } from "./tenant-suspensions";

/**
 * PERS sessions: a token exchange starts a refresh-token family; each refresh rotates it.
 *
 * Where state lives, and why:
 * - D1 `refresh_tokens` decides rotation. KV has no compare-and-swap and is eventually
 *   consistent, so the check-and-set is one conditional UPDATE on D1's primary
 *   (`rotateRefreshToken`), and reuse of a rotated token revokes every row of its family.
 * - KV `pers-family:{id}` says whether a family is live or revoked; `/v2/auth/verify`, the
 *   gateway and every refresh read it. Revocation reaches other locations within KV's
 *   propagation (≤ 60 s); `/v2/auth/verify` and the gateway also cache it per isolate (below).
 */

export interface PersTokenPair {
  accessToken: string;
  refreshToken: string;
}

/**
 * The family record is written with this much headroom over the newest refresh token's expiry,
 * so a rotation rewrites it only about once per refresh lifetime instead of on every refresh:
 * KV allows one write per second per key, and fewer writes leave fewer chances for a rotation's
 * "live" to race a concurrent revocation's "revoked".
 */
const FAMILY_RECORD_HEADROOM_FACTOR = 2;

/** When the family ends however it is refreshed: its absolute lifetime from the exchange. */
function familyEnd(deps: Deps, session: PersSession): number {
  return (session.authTime + deps.config.persSessionMaxLifetimeSeconds) * 1000;
}

/** A new refresh token's expiry: the refresh lifetime, the inactivity timeout, or the family's end. */
function refreshExpiry(deps: Deps, session: PersSession): Date {
  const { persRefreshTokenTtlSeconds, persSessionInactivitySeconds } = deps.config;
  const now = deps.now.getTime();
  const renewed = now + Math.min(persRefreshTokenTtlSeconds, persSessionInactivitySeconds) * 1000;
  return new Date(Math.min(renewed, familyEnd(deps, session)));
}

/**
 * Why a verified refresh token is past its family's bounds, or null: checked on the token itself,
 * so tokens minted under a longer configuration are bounded by today's.
 */
export function lifetimeRefusal(deps: Deps, session: PersSession, issuedAtSeconds: number): string | null {
  const now = deps.now.getTime();
  if (now >= familyEnd(deps, session)) return "family past its absolute lifetime";
  if (now - issuedAtSeconds * 1000 > deps.config.persSessionInactivitySeconds * 1000) return "family inactive too long";
  return null;
}

function liveRecord(deps: Deps, session: PersSession): PersFamilyRecord {
  return {
    status: "live",
    tenantPublicId: session.tenantPublicId,
    tenantUserPublicId: session.tenantUserPublicId,
    authType: session.authType,
    expiresAt: deps.now.getTime() + FAMILY_RECORD_HEADROOM_FACTOR * deps.config.persRefreshTokenTtlSeconds * 1000,
  };
}

async function issuePair(
  deps: Deps,
  session: PersSession,
  refreshJti: string,
  expiresAt: Date,
): Promise<PersTokenPair> {
  const [accessToken, refreshToken] = await Promise.all([
    issuePersAccessToken(deps, session),
    issuePersRefreshToken(deps, session, refreshJti, expiresAt),
  ]);
  return { accessToken, refreshToken };
}

export interface NewPersSession {
  tenantId: number;
  tenantUserId: number;
  session: Omit<PersSession, "familyId" | "authTime">;
}

/**
 * A new family: its live record in KV, its first refresh-token row in D1, and a token pair.
 *
 * In that order, never side by side, and the row only while the tenant user is active: an
 * operator disabling the user marks them disabled, then revokes their rows, then writes "revoked"
 * records. A racing exchange either finds the user disabled at its insert, or inserted first, in
 * which case its "live" record was written before the disable's "revoked" one and cannot
 * overwrite it. (A record left by a refused insert names a family no token was issued for.)
 */
export async function startPersSession(deps: Deps, input: NewPersSession): Promise<PersTokenPair> {
  const authTime = Math.floor(deps.now.getTime() / 1000);
  const session: PersSession = { ...input.session, familyId: randomId(), authTime };
  const jti = randomId();
  const expiresAt = refreshExpiry(deps, session);
  await putPersFamily(deps.kv, session.familyId, liveRecord(deps, session), deps.now.getTime());
  const inserted = await insertRefreshTokenForActiveUser(deps.db, {
    id: jti,
    familyId: session.familyId,
    tenantId: input.tenantId,
    tenantUserId: input.tenantUserId,
    authType: session.authType,
    expiresAt,
    now: deps.now,
  });
  if (!inserted) throw new AppError("user_disabled", { detail: "tenant user disabled during the exchange" });
  // A change to the tenant's providers or settings that landed after this exchange read them swept
  // only the families already written: this one is checked against D1 now, as its refresh would
  // be. A change landing later finds this row in its own sweep. (Both read the primary.)
  const refusal = refreshRefusal(await findFamilyAuthorization(primaryOf(deps.db), jti), session);
  if (refusal !== null) {
    await revokeFamily(deps, session);
    throw new AppError("authorization_changed", { detail: `exchange overtaken: ${refusal}` });
  }
  return issuePair(deps, session, jti, expiresAt);
}

/** Marks a family revoked in KV; D1 already refuses its tokens, so a failed write is logged, not fatal. */
export async function recordRevocation(deps: Deps, session: PersSession): Promise<void> {
  const nowMs = deps.now.getTime();
  // Every token of the family was issued before now, so none outlives one refresh lifetime from now.
  const record: PersFamilyRecord = {
    ...liveRecord(deps, session),
    status: "revoked",
    revokedAt: nowMs,
    expiresAt: nowMs + deps.config.persRefreshTokenTtlSeconds * 1000,
  };
  // This isolate stops accepting the family's access tokens at once, before KV has the news.
  rememberRevoked(session.familyId, record);
  try {
    await putPersFamily(deps.kv, session.familyId, record, nowMs);
  } catch (err) {
    console.error(JSON.stringify({ level: "error", event: "pers_family_revocation_kv_failed", detail: String(err) }));
  }
}

/** Reuse detected (RFC 9700 §4.14.2), or authorization gone: every token of the family stops working. */
async function revokeFamily(deps: Deps, session: PersSession): Promise<void> {
  await revokeRefreshTokenFamily(deps.db, session.familyId);
  await recordRevocation(deps, session);
}

function withinGrace(deps: Deps, state: RotationState): state is RotationState & { replacedBy: string } {
  if (state.status !== "rotated" || !state.rotatedAt || !state.replacedBy) return false;
  if (state.childStatus !== "active" || !state.childExpiresAt) return false;
  return deps.now.getTime() - state.rotatedAt.getTime() <= deps.config.persRefreshReuseGraceSeconds * 1000;
}

/**
 * Rotates a refresh token: 1 verify, 1 KV read, 1 conditional D1 write (batch), 2 signs — and a
 * KV write only when the family record needs a longer life.
 *
 * A token that was already rotated is answered, within `persRefreshReuseGraceSeconds` of its
 * rotation and while its child is still unused, with a freshly signed token for that same child
 * (same `jti`): two concurrent refreshes, or a client that lost the response, never fork the
 * family into two live chains (Supabase Auth's `REFRESH_TOKEN_REUSE_INTERVAL`). Anything else
 * presenting a rotated token is reuse, and the whole family is revoked.
 */
export async function refreshPersSession(
  deps: Deps,
  tenant: ProjectTenant,
  refreshToken: string,
  client: ClientInfo = {},
): Promise<PersTokenPair> {
  const verified = await verifyPersToken(deps, "refresh", refreshToken);
  if (!verified.ok) throw new AppError("invalid_token", { detail: `PERS refresh token: ${verified.reason}` });
  const { session, claims } = verified;
  if (session.tenantPublicId !== tenant.tenantPublicId) {
    throw new AppError("invalid_token", { detail: "refresh token of another tenant" });
  }
  // Counted only once the token verified, so nobody can spend another family's budget.
  await enforceRateLimit(deps, "refresh_session", await hashedRateLimitKey("pers-refresh", session.familyId));

  const [family, authorization] = await Promise.all([
    getPersFamily(deps.kv, session.familyId),
    findFamilyAuthorization(deps.db, claims.jti),
  ]);
  // Before the family's own state: a disabled user's client must learn that signing in again
  // will not help, not that its token is bad.
  if (authorization?.tenantUser?.status === "disabled") await endDisabledUserFamily(deps, session, family, client);
  if (family?.status === "revoked") {
    throw new AppError("invalid_token", { detail: "family revoked", reason: "revoked" });
  }
  const refusal = lifetimeRefusal(deps, session, claims.iat) ?? refreshRefusal(authorization, session);
  if (refusal) await endUnauthorizedFamily(deps, session, refusal, client);
  const childId = randomId();
  const childExpiresAt = refreshExpiry(deps, session);
  // Written before the D1 rotation, never after: if a revocation races this write, its D1 update
  // happened first, so the rotation below fails and rewrites "revoked" (recordRevocation).
  // An absent record (not yet visible in this location) is rewritten; D1 still decides.
  if (!family || family.expiresAt < childExpiresAt.getTime()) {
    await putPersFamily(deps.kv, session.familyId, liveRecord(deps, session), deps.now.getTime());
  }

  const outcome = await rotateRefreshToken(deps.db, {
    parentId: claims.jti,
    childId,
    childExpiresAt,
    now: deps.now,
  });
  if (outcome.rotated) return issuePair(deps, session, childId, childExpiresAt);

  const { state } = outcome;
  if (!state) throw new AppError("invalid_token", { detail: "refresh token row not found" });
  if (state.status === "revoked") {
    await recordRevocation(deps, session);
    throw new AppError("invalid_token", { detail: "family revoked", reason: "revoked" });
  }
  if (withinGrace(deps, state)) {
    return issuePair(deps, session, state.replacedBy, state.childExpiresAt as Date);
  }
  await revokeFamily(deps, session);
  recordAudit(
    deps,
    { principal: null, ...client },
    {
      action: "auth.refresh_reuse_detected",
      tenant: session.tenantPublicId,
      target: session.tenantUserPublicId,
      details: { family_id: session.familyId, auth_type: session.authType },
    },
  );
  throw new AppError("invalid_token", { detail: "rotated refresh token reused; family revoked", reason: "reused" });
}

/**
 * A family whose exchange would no longer be allowed, or that outlived its bounds, is revoked
 * whole (every token of it, and its access tokens at the gateway) and the refresh is refused
 * like any invalid refresh token.
 */
async function endUnauthorizedFamily(
  deps: Deps,
  session: PersSession,
  refusal: string,
  client: ClientInfo,
): Promise<never> {
  await revokeRefusedFamily(deps, session, refusal, client);
  throw new AppError("invalid_token", { detail: `family ended: ${refusal}`, reason: "unauthorized" });
}

/** Revokes a family whose refresh is refused, and audits why. */
async function revokeRefusedFamily(
  deps: Deps,
  session: PersSession,
  reason: string,
  client: ClientInfo,
): Promise<void> {
  await revokeFamily(deps, session);
  recordAudit(
    deps,
    { principal: null, ...client },
    {
      action: "auth.refresh_refused",
      tenant: session.tenantPublicId,
      target: session.tenantUserPublicId,
      details: { family_id: session.familyId, auth_type: session.authType, reason },
    },
  );
}

/**
 * A refresh of a disabled tenant user: 403 `user_disabled`. Disabling revoked the user's families
 * already; one not yet marked revoked here (a racing exchange, or KV not yet propagated) is
 * revoked and the refusal audited.
 */
async function endDisabledUserFamily(
  deps: Deps,
  session: PersSession,
  family: PersFamilyRecord | null,
  client: ClientInfo,
): Promise<never> {
  if (family?.status !== "revoked") await revokeRefusedFamily(deps, session, "tenant user disabled", client);
  throw new AppError("user_disabled", { detail: "refresh of a disabled tenant user" });
}

/** KV needs up to 60 s to show a new key in other locations, and caches a miss as long. */
const KV_PROPAGATION_SECONDS = 60;

/**
 * Family records, cached per isolate for `sessionLivenessCacheSeconds` (the bound Ping sessions
 * use), so a warm request with a PERS access token costs no KV read. A revoked record is final:
 * it is kept until evicted, and never replaced by a "live" one a slower read brings back. The
 * isolate that revokes a family records that here at once; other isolates notice within the cache
 * lifetime, plus KV's own propagation in other locations.
 */
const familyCache = new LruCache<string, { record: PersFamilyRecord; cachedUntil: number }>({
  maxBytes: CACHE_BUDGET_BYTES.persFamilies,
  sizeOf: (familyId, cached) =>
    ENTRY_OVERHEAD_BYTES + stringBytes(familyId) + objectBytes(2) + NUMBER_BYTES + jsonValueBytes(cached.record),
});
/** Concurrent misses for one family share one KV read. */
const familyReads = new Map<string, Promise<PersFamilyRecord | null>>();

function rememberRevoked(familyId: string, record: PersFamilyRecord): void {
  familyCache.set(familyId, { record, cachedUntil: Number.POSITIVE_INFINITY });
  familyReads.delete(familyId);
}

async function readFamily(deps: Deps, familyId: string): Promise<PersFamilyRecord | null> {
  const nowMs = deps.now.getTime();
  const cached = familyCache.get(familyId);
  if (cached && cached.cachedUntil > nowMs) return cached.record;

  let read = familyReads.get(familyId);
  if (!read) {
    const started = getPersFamily(deps.kv, familyId).finally(() => {
      if (familyReads.get(familyId) === started) familyReads.delete(familyId);
    });
    familyReads.set(familyId, started);
    read = started;
  }
  const record = await read;
  // Revoked here while the read was under way: that is newer than whatever the read found.
  const revokedMeanwhile = familyCache.peek(familyId);
  if (revokedMeanwhile?.record.status === "revoked") return revokedMeanwhile.record;
  if (!record) {
    familyCache.delete(familyId);
    return null;
  }
  if (record.status === "revoked") rememberRevoked(familyId, record);
  else {
    const cacheMs = deps.config.sessionLivenessCacheSeconds * 1000;
    if (cacheMs > 0) familyCache.set(familyId, { record, cachedUntil: nowMs + cacheMs });
  }
  return record;
}

/**
 * Whether a token's family is live, from KV (through the per-isolate cache above). A revoked
 * record is final. An absent record is read as "not yet visible here" only for a token issued
 * within KV's propagation time; after that, an absent family is not live (fail closed). Absence
 * is never cached.
 */
export async function isFamilyLive(deps: Deps, session: PersSession, issuedAtSeconds: number): Promise<boolean> {
  const record = await readFamily(deps, session.familyId);
  if (record) return record.status === "live" && record.tenantPublicId === session.tenantPublicId;
  return deps.now.getTime() / 1000 - issuedAtSeconds <= KV_PROPAGATION_SECONDS;
}

/**
 * The principal behind a PERS access token presented as a credential (the gateway): 1 verify and
 * the family's liveness (a cached KV read). A refresh token is never a credential, whatever it
 * is presented for; it is only ever sent to `/v2/auth/refresh`.
 */
export async function authenticatePersAccessToken(deps: Deps, token: string): Promise<PersPrincipal> {
  // Verified as an access token only: a refresh token fails on its `typ`, which the signature covers.
  const verified = await verifyPersToken(deps, "access", token);
  if (!verified.ok) {
    const detail =
      verified.reason === "wrong_type" && persTokenKindOf(token) === "refresh"
        ? "a PERS refresh token is not a credential"
        : `PERS access token: ${verified.reason}`;
    throw new AppError("invalid_token", { detail, challenge: "bearer" });
  }
  const { session, claims } = verified;
  // One after the other: a family this isolate knows revoked is refused without reading anything.
  if (!(await isFamilyLive(deps, session, claims.iat))) {
    throw new AppError("session_revoked", { detail: "PERS family revoked or gone", challenge: "bearer" });
  }
  if (await isTenantSuspended(deps, session.tenantPublicId)) {
    throw new AppError("session_revoked", {
      detail: "PERS tenant suspended",
      reason: "tenant_suspended",
      challenge: "bearer",
    });
  }
  return {
    method: "pers",
    tenantId: session.tenantPublicId,
    tenantUserId: session.tenantUserPublicId,
    authType: session.authType,
    familyId: session.familyId,
    anonymous: session.anonymous,
    mode: session.mode,
  };
}

/** What a route requires of a PERS access token beyond being valid and live. */
/** Each refusal is a 403 (RFC 6750 §3.1 `insufficient_scope`) with a machine-readable reason. */
export function authorizePersPrincipal(principal: PersPrincipal, requirements: PersRequirements): void {
  const forbid = (reason: string, detail: string) =>
    new AppError("insufficient_permission", { reason, detail, challenge: "bearer" });
  if (requirements.tenants && !requirements.tenants.has(principal.tenantId)) {
    throw forbid("tenant_not_allowed", `a token of tenant ${principal.tenantId}`);
  }
  if (requirements.liveOnly && principal.mode === "test") {
    throw forbid("test_session_not_allowed", "a session exchanged with a test project key");
  }
  if (requirements.authTypes && !requirements.authTypes.has(principal.authType)) {
    throw forbid("auth_type_not_allowed", `${principal.authType} not among the accepted auth types`);
  }
}
