import type { ClientInfo, UserPrincipal, UserType } from "../../domain";
import { AppError } from "../../errors";
import type { BusinessSummary } from "../../storage/users";
import { recordAudit } from "../audit/audit-log";
import { authenticatePassword } from "../auth/password-login";
import type { Deps } from "../deps";
import { enforceRateLimit, hashedRateLimitKey } from "../rate-limits";
import { findLiveSession, revokeSession, startSession } from "./session-records";
import { issueSessionToken, verifySessionToken } from "./session-tokens";

export interface TokenLoginResult {
  accessToken: string;
  refreshToken: string;
  user: {
    public_id: string;
    first_name: string;
    last_name: string;
    email_address: string;
    phone_number: string | null;
  };
  businesses: Array<{ id: number; public_id: string; name: string; status: string }>;
}

function businessView(business: BusinessSummary) {
  return { id: business.id, public_id: business.publicId, name: business.name, status: business.status };
}

/** Ping login: password check, a new session in KV, and an access/refresh token pair bound to it. */
export async function loginForTokens(
  deps: Deps,
  input: { email: string; password: string; userType: UserType; client: ClientInfo },
): Promise<TokenLoginResult> {
  const { user, businesses } = await authenticatePassword(deps, { ...input, flow: "token" });
  const session = await startSession(deps, {
    userPublicId: user.publicId,
    userType: user.userType,
    kind: "token",
    ttlSeconds: deps.config.refreshTokenTtlSeconds,
    ...input.client,
  });
  const principal: UserPrincipal = {
    method: "jwt",
    userPublicId: user.publicId,
    userType: user.userType,
    sessionId: session.id,
  };
  recordAudit(
    deps,
    { principal, ...input.client },
    { action: "auth.login", target: user.publicId, details: { flow: "token", session_id: session.id } },
  );
  const [accessToken, refreshToken] = await Promise.all([
    issueSessionToken(deps, "access", session),
    issueSessionToken(deps, "refresh", session),
  ]);
  return {
    accessToken,
    refreshToken,
    user: {
      public_id: user.publicId,
      first_name: user.firstName,
      last_name: user.lastName,
      email_address: user.email,
      phone_number: user.phoneNumber,
    },
    businesses: businesses.map(businessView),
  };
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
    {
      principal: {
        method: "jwt",
        userPublicId: session.userPublicId,
        userType: session.userType,
        sessionId: session.id,
      },
      ...input.client,
    },
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
  return { method: "jwt", userPublicId: claims.public_id, userType: claims.user_type, sessionId: claims.session_id };
}

export async function endSession(deps: Deps, principal: UserPrincipal, client: ClientInfo): Promise<void> {
  await revokeSession(deps, principal.userPublicId, principal.sessionId);
  recordAudit(
    deps,
    { principal, ...client },
    { action: "auth.logout", target: principal.userPublicId, details: { session_id: principal.sessionId } },
  );
}
