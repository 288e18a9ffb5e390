import type { ClientInfo, UserPrincipal, UserType } from "../../domain";
import { AppError } from "../../errors";
import type { UserWithBusinesses } from "../../storage/users";
import { recordAudit } from "../audit/audit-log";
import { authenticatePassword } from "../auth/password-login";
import type { Deps } from "../deps";
import { enforceRateLimit, hashedRateLimitKey } from "../rate-limits";
import { findLiveSession, revokeSession, sessionPrincipal, startSession } from "./session-records";
import { issueSessionToken, verifySessionToken } from "./session-tokens";

/** A Ping login: the token pair and who logged in (rendered by `schemas/ping.ts`). */
export interface TokenLogin extends UserWithBusinesses {
  accessToken: string;
  refreshToken: string;
}

/** Ping login: password check, a new session in KV, and an access/refresh token pair bound to it. */
export async function loginForTokens(
  deps: Deps,
  input: { email: string; password: string; userType: UserType; client: ClientInfo; deviceToken?: string },
): Promise<TokenLogin> {
  const found = await authenticatePassword(deps, { ...input, flow: "token" });
  const { user } = found;
  const session = await startSession(deps, {
    userPublicId: user.publicId,
    userType: user.userType,
    kind: "token",
    ttlSeconds: deps.config.refreshTokenTtlSeconds,
    ...input.client,
  });
  recordAudit(
    deps,
    { principal: sessionPrincipal(session), ...input.client },
    { action: "auth.login", target: user.publicId, details: { flow: "token", session_id: session.id } },
  );
  const [accessToken, refreshToken] = await Promise.all([
    issueSessionToken(deps, "access", session),
    issueSessionToken(deps, "refresh", session),
  ]);
  return { ...found, accessToken, refreshToken };
}

/**
 * Ping refresh: a new access token for a live token session of the stated user type. Limited per
 * session once the token's signature is known good (a forged token cannot spend a victim's budget;
 * the route limits per IP before that).
 */
export async function refreshAccessToken(
  deps: Deps,
  input: { refreshToken: string; userType: UserType; client: ClientInfo },
): Promise<string> {
  const verified = await verifySessionToken(deps, "refresh", input.refreshToken);
  if (!verified.ok) throw new AppError("invalid_token", { detail: `refresh token: ${verified.reason}` });
  const { claims } = verified;
  await enforceRateLimit(
    deps,
    "refresh_session",
    await hashedRateLimitKey("refresh", `${claims.public_id}:${claims.session_id}`),
  );
  if (claims.user_type !== input.userType) throw new AppError("invalid_token", { detail: "user type mismatch" });
  const session = await findLiveSession(deps, claims.public_id, claims.session_id);
  if (session?.kind !== "token" || session.userType !== input.userType) {
    throw new AppError("session_revoked", { detail: "refresh token's session is gone" });
  }
  const accessToken = await issueSessionToken(deps, "access", session);
  recordAudit(
    deps,
    { principal: sessionPrincipal(session), ...input.client },
    { action: "auth.refresh", target: session.userPublicId, details: { flow: "token", session_id: session.id } },
  );
  return accessToken;
}

/**
 * Authenticates `Authorization: Bearer` + `User-Type`: signature, claims, the stated user type
 * (when one is stated) and a live session. Every failure carries the same RFC 6750
 * `error="invalid_token"` challenge and message; the body's code only says whether the token was
 * bad (`invalid_token`) or its session has ended (`session_revoked`), which tells the holder to log
 * in again and reveals nothing they do not already hold.
 */
export async function authenticateAccessToken(deps: Deps, token: string, userType?: UserType): Promise<UserPrincipal> {
  const verified = await verifySessionToken(deps, "access", token);
  if (!verified.ok) throw new AppError("invalid_token", { detail: verified.reason, challenge: "bearer" });
  const { claims } = verified;
  if (userType !== undefined && claims.user_type !== userType) {
    throw new AppError("invalid_token", { detail: "User-Type does not match the token", challenge: "bearer" });
  }
  const session = await findLiveSession(deps, claims.public_id, claims.session_id);
  if (session?.kind !== "token") {
    throw new AppError("session_revoked", { detail: "session is gone", challenge: "bearer" });
  }
  return sessionPrincipal(session);
}

export async function endSession(deps: Deps, principal: UserPrincipal, client: ClientInfo): Promise<void> {
  await revokeSession(deps, principal.userPublicId, principal.sessionId);
  recordAudit(
    deps,
    { principal, ...client },
    { action: "auth.logout", target: principal.userPublicId, details: { session_id: principal.sessionId } },
  );
}
