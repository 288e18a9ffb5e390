import { constantTimeEqual, sha256Base64url } from "../../crypto/digest";
import { hashPassword } from "../../crypto/passwords";
import { randomToken } from "../../crypto/random";
import type { ClientInfo, UserPrincipal } from "../../domain";
import { AppError } from "../../errors";
import {
  CACHE_BUDGET_BYTES,
  ENTRY_OVERHEAD_BYTES,
  jsonValueBytes,
  objectBytes,
  stringBytes,
} from "../../isolate-memory";
import { LruCache } from "../../lru-cache";
import type { UserRow } from "../../storage/schema";
import type { SessionRecord } from "../../storage/session-store";
import { deleteUserJustInserted, findUserByPublicId, insertUserIfEmailFree } from "../../storage/users";
import { recordAudit } from "../audit/audit-log";
import { authenticatePassword, normalizeEmail, passwordPolicy } from "../auth/password-login";
import type { Deps } from "../deps";
import { findLiveSession, revokeSession, sessionPrincipal, startSession } from "./session-records";

/**
 * PingPage's cookie sessions last 30 days from login, absolutely: using a session does not
 * extend it (no sliding expiry), so a stolen cookie is worth at most 30 days and the cookie's
 * `Max-Age` always tells the truth.
 */
export const COOKIE_SESSION_TTL_SECONDS = 30 * 24 * 60 * 60;

/** Only `user` accounts sign in by cookie; staff keep explicit bearer tokens (see README). */
const COOKIE_USER_TYPE = "user";

const encoder = new TextEncoder();

/**
 * `{userPublicId}.{sessionId}.{secret}`: the two ids locate exactly one KV record; the secret
 * (256 random bits) proves possession, and only its SHA-256 is stored. Public ids are UUIDs
 * today; any id made of `[A-Za-z0-9_-]` fits, and nothing else reaches a KV key.
 */
const COOKIE_VALUE = /^([A-Za-z0-9_-]{1,64})\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/;

export interface SessionCookieParts {
  userPublicId: string;
  sessionId: string;
  secret: string;
}

export function parseSessionCookie(value: string): SessionCookieParts | null {
  const match = COOKIE_VALUE.exec(value);
  if (!match?.[1] || !match[2] || !match[3]) return null;
  return { userPublicId: match[1], sessionId: match[2], secret: match[3] };
}

/** A cookie login or registration: who, and the cookie that proves it (rendered by `schemas/pingpage.ts`). */
export interface CookieLogin {
  user: UserRow;
  /** The `session_token` cookie value; shown to this client once, never stored. */
  cookieValue: string;
}

/** Which cookie a session is for: PingPage's `session_token`, or the dashboard's own cookie. */
export type CookieSessionKind = "cookie" | "dashboard";

/** Starts a session proven by a cookie value and returns that value (shown to the client once). */
export async function startCookieSession(
  deps: Deps,
  user: UserRow,
  client: ClientInfo,
  kind: CookieSessionKind = "cookie",
  ttlSeconds = COOKIE_SESSION_TTL_SECONDS,
): Promise<string> {
  const secret = randomToken(32);
  const session = await startSession(deps, {
    userPublicId: user.publicId,
    userType: user.userType,
    kind,
    ttlSeconds,
    secretHash: await sha256Base64url(secret),
    ...client,
  });
  recordAudit(
    deps,
    { principal: sessionPrincipal(session), ...client },
    { action: "auth.login", target: user.publicId, details: { flow: kind, session_id: session.id } },
  );
  return `${user.publicId}.${session.id}.${secret}`;
}

function splitName(displayName: string): { firstName: string; lastName: string } {
  const [firstName = "", ...rest] = displayName.split(/\s+/);
  return { firstName, lastName: rest.join(" ") };
}

/**
 * Open registration: always a plain `user` (admins and agents are made by admins). The unique
 * index on the normalized email decides a race between two registrations of one address.
 */
export async function registerWithCookie(
  deps: Deps,
  input: { email: string; password: string; name: string; client: ClientInfo },
): Promise<CookieLogin> {
  const email = input.email.trim();
  const displayName = input.name.trim();
  const user = await insertUserIfEmailFree(deps.db, {
    publicId: crypto.randomUUID(),
    userType: COOKIE_USER_TYPE,
    email,
    emailNormalized: normalizeEmail(email),
    ...splitName(displayName),
    displayName,
    phoneNumber: null,
    passwordHash: await hashPassword(input.password, passwordPolicy(deps)),
    now: deps.now,
  });
  if (!user) throw new AppError("email_taken", { detail: "registration for an existing email" });
  try {
    return { user, cookieValue: await startCookieSession(deps, user, input.client) };
  } catch (err) {
    // Without its session the registration failed: take the account back, so that the client's
    // retry registers again rather than meeting a 409 for an account it never got. If D1 is down
    // too, the account stays, and signing in with it works.
    await deleteUserJustInserted(deps.db, user.id).catch(() => undefined);
    throw err;
  }
}

/** PingPage login: the same password check as Ping (no enumeration), then a new cookie session. */
export async function loginWithCookie(
  deps: Deps,
  input: { email: string; password: string; client: ClientInfo; deviceToken?: string },
): Promise<CookieLogin> {
  const { user } = await authenticatePassword(deps, { ...input, userType: COOKIE_USER_TYPE, flow: "cookie" });
  return { user, cookieValue: await startCookieSession(deps, user, input.client) };
}

/** A cookie value that matched a live session: its parts, and the stored hash its secret matched. */
interface MatchedCookie {
  parts: SessionCookieParts;
  storedHash: string;
}

/**
 * A browser sends the same cookie on every request, so this isolate remembers each cookie value
 * that matched a live session, and guesses never enter. Such a value is parsed and hashed once:
 * afterwards the session is still looked up every time, and its stored hash must still be the one
 * the secret matched. That last comparison need not be constant-time: both sides are the server's
 * own, and only a client holding the whole matching cookie gets this far.
 */
const matchedCookies = new LruCache<string, MatchedCookie>({
  maxBytes: CACHE_BUDGET_BYTES.matchedCookies,
  sizeOf: (cookieValue, matched) =>
    ENTRY_OVERHEAD_BYTES +
    stringBytes(cookieValue) +
    objectBytes(2) +
    jsonValueBytes(matched.parts) +
    stringBytes(matched.storedHash),
});

/** The live session of `kind` a cookie value proves, or why not (for logs only). */
export async function findCookieSession(
  deps: Deps,
  cookieValue: string,
  kind: CookieSessionKind = "cookie",
): Promise<{ ok: true; session: SessionRecord } | { ok: false; reason: string }> {
  const matched = matchedCookies.get(cookieValue);
  const parts = matched?.parts ?? parseSessionCookie(cookieValue);
  if (!parts) return { ok: false, reason: "malformed session cookie" };
  const session = await findLiveSession(deps, parts.userPublicId, parts.sessionId);
  if (!session) return { ok: false, reason: "session unknown, revoked or expired" };
  if (session.kind !== kind || !session.secretHash) return { ok: false, reason: `not a ${kind} session` };
  if (matched) {
    if (matched.storedHash !== session.secretHash) return { ok: false, reason: "session secret does not match" };
    return { ok: true, session };
  }
  const presented = encoder.encode(await sha256Base64url(parts.secret));
  if (!constantTimeEqual(presented, encoder.encode(session.secretHash))) {
    return { ok: false, reason: "session secret does not match" };
  }
  matchedCookies.set(cookieValue, { parts, storedHash: session.secretHash });
  return { ok: true, session };
}

/**
 * Authenticates a `session_token` cookie value: its shape first (nothing malformed reaches KV),
 * then one KV read (cached per isolate like every session), then the secret in constant time.
 * Every failure is the same `invalid_session` on the wire.
 */
export async function authenticateCookieSession(
  deps: Deps,
  cookieValue: string | undefined,
  kind: CookieSessionKind = "cookie",
): Promise<UserPrincipal> {
  if (cookieValue === undefined || cookieValue === "") {
    throw new AppError("missing_credentials", { challenge: "session" });
  }
  const found = await findCookieSession(deps, cookieValue, kind);
  if (!found.ok) throw new AppError("invalid_session", { detail: found.reason, challenge: "session" });
  return sessionPrincipal(found.session);
}

/**
 * Logout is idempotent: a valid cookie's session is revoked server-side; a missing, malformed or
 * stale cookie has nothing left to end, which is the state the client asked for.
 */
export async function logoutCookieSession(
  deps: Deps,
  cookieValue: string | undefined,
  client: ClientInfo,
  kind: CookieSessionKind = "cookie",
): Promise<void> {
  if (!cookieValue) return;
  const found = await findCookieSession(deps, cookieValue, kind);
  if (!found.ok) return;
  const { session } = found;
  await revokeSession(deps, session.userPublicId, session.id);
  const flow = kind === "cookie" ? {} : { flow: kind };
  recordAudit(
    deps,
    { principal: sessionPrincipal(session), ...client },
    { action: "auth.logout", target: session.userPublicId, details: { session_id: session.id, ...flow } },
  );
}

/** `GET /v1/me`: the caller's profile. A session outliving its (deleted or disabled) account counts as invalid. */
export async function findProfile(deps: Deps, principal: UserPrincipal): Promise<UserRow> {
  const user = await findUserByPublicId(deps.db, principal.userPublicId);
  if (user?.status !== "active") {
    throw new AppError("invalid_session", { detail: "account gone or disabled", challenge: "session" });
  }
  return user;
}
