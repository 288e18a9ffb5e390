import { AppError } from "../errors";
import type { UserType } from "../storage/schema";
import type { BusinessSummary } from "../storage/users";
import { authenticatePassword } from "./accounts";
import type { Deps } from "./deps";
import type { UserPrincipal } from "./principal";
import { findLiveSession, revokeSession, startSession } from "./sessions";
import { issueSessionToken, verifySessionToken } from "./tokens";

export interface ClientInfo {
  userAgent?: string;
  ip?: string;
}

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
  const { user, businesses } = await authenticatePassword(deps, input);
  const session = await startSession(deps, {
    userPublicId: user.publicId,
    userType: user.userType,
    kind: "token",
    ttlSeconds: deps.config.refreshTokenTtlSeconds,
    ...input.client,
  });
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

/** Ping refresh: a new access token for a live token session of the stated user type. */
export async function refreshAccessToken(
  deps: Deps,
  input: { refreshToken: string; userType: UserType },
): Promise<string> {
  const verified = await verifySessionToken(deps, "refresh", input.refreshToken);
  if (!verified.ok) throw new AppError("invalid_token", { detail: `refresh token: ${verified.reason}` });
  const { claims } = verified;
  if (claims.user_type !== input.userType) throw new AppError("invalid_token", { detail: "user type mismatch" });
  const session = await findLiveSession(deps, claims.public_id, claims.session_id);
  if (session?.kind !== "token" || session.userType !== input.userType) {
    throw new AppError("session_revoked", { detail: "refresh token's session is gone" });
  }
  return issueSessionToken(deps, "access", session);
}

/**
 * Authenticates `Authorization: Bearer` + `User-Type`: signature, claims, the stated user type
 * (when one is stated) and a live session. Every failure is the same `invalid_token` on the wire
 * (RFC 6750 §3.1).
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

export async function endSession(deps: Deps, principal: UserPrincipal): Promise<void> {
  await revokeSession(deps, principal.userPublicId, principal.sessionId);
}
