import { type JwtFailure, signJwt, verifyJwt } from "../../crypto/jwt";
import { randomId } from "../../crypto/random";
import { USER_TYPES, type UserType } from "../../domain";
import type { SessionRecord } from "../../storage/session-store";
import type { Deps } from "../deps";

/**
 * Ping access and refresh tokens. The header `typ` tells them apart (RFC 8725 §3.11), so a refresh
 * token is never accepted where an access token is expected, and vice versa.
 */
export const TOKEN_TYPES = {
  access: "at+jwt",
  refresh: "rt+jwt",
} as const;

export type TokenKind = keyof typeof TOKEN_TYPES;

export interface SessionClaims {
  public_id: string;
  session_id: string;
  user_type: UserType;
}

function ttlOf(deps: Deps, kind: TokenKind): number {
  return kind === "access" ? deps.config.accessTokenTtlSeconds : deps.config.refreshTokenTtlSeconds;
}

export function issueSessionToken(deps: Deps, kind: TokenKind, session: SessionRecord): Promise<string> {
  const claims: SessionClaims = {
    public_id: session.userPublicId,
    session_id: session.id,
    user_type: session.userType,
  };
  // A token never outlives its session.
  const secondsLeft = Math.floor((session.expiresAt - deps.now.getTime()) / 1000);
  return signJwt(
    deps.keys,
    { ...claims },
    {
      typ: TOKEN_TYPES[kind],
      issuer: deps.config.issuer,
      audience: deps.config.audience,
      ttlSeconds: Math.max(1, Math.min(ttlOf(deps, kind), secondsLeft)),
      now: deps.now,
      jti: randomId(),
      subject: session.userPublicId,
    },
  );
}

export type SessionTokenResult =
  | { ok: true; claims: SessionClaims }
  | { ok: false; reason: JwtFailure | "claim_invalid" };

export async function verifySessionToken(deps: Deps, kind: TokenKind, token: string): Promise<SessionTokenResult> {
  const result = await verifyJwt<Partial<SessionClaims>>(deps.keys, token, {
    typ: TOKEN_TYPES[kind],
    issuer: deps.config.issuer,
    audience: deps.config.audience,
    now: deps.now,
    requiredClaims: ["public_id", "session_id", "user_type"],
  });
  if (!result.ok) return result;
  const { public_id, session_id, user_type } = result.payload;
  if (typeof public_id !== "string" || typeof session_id !== "string" || !USER_TYPES.includes(user_type as UserType)) {
    return { ok: false, reason: "claim_invalid" };
  }
  return { ok: true, claims: { public_id, session_id, user_type: user_type as UserType } };
}
