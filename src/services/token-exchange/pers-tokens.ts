import { decodeCompactJws, type JwtFailure, signJwt, verifyJwt } from "../../crypto/jwt";
import { randomId } from "../../crypto/random";
import { type ApiKeyMode, PERS_AUTH_TYPES, type PersAuthType } from "../../domain";
import type { Deps } from "../deps";

/**
 * PERS access and refresh tokens: our signing keys, our issuer, but their own audience
 * (`PERS_AUDIENCE`) and `typ`s, so a PERS token is never accepted where a Ping token is expected
 * and vice versa (RFC 8725 §3.11, §3.12).
 */
export const PERS_TOKEN_TYPES = {
  access: "pers-at+jwt",
  refresh: "pers-rt+jwt",
} as const;

export type PersTokenKind = keyof typeof PERS_TOKEN_TYPES;

/** One exchanged session: who, at which tenant, as what, and the refresh family it lives in. */
export interface PersSession {
  tenantPublicId: string;
  tenantUserPublicId: string;
  authType: PersAuthType;
  familyId: string;
  anonymous: boolean;
  /**
   * The mode of the project key the family was exchanged with: a test key's sessions are test
   * sessions (`X-Auth-Mode: test`, a route's sandbox), as test API keys are.
   */
  mode: ApiKeyMode;
  /** When the family started (the exchange), in seconds: its absolute lifetime counts from here. */
  authTime: number;
}

export interface PersClaims {
  sub: string;
  tenant_id: string;
  auth_type: PersAuthType;
  family_id: string;
  anonymous?: true;
  /** `test` for a family exchanged with a test project key; absent for live ones. */
  mode?: "test";
  /** Absent from tokens minted before families had a lifetime; `iat` stands in for it then. */
  auth_time?: number;
  jti: string;
  iss: string;
  aud: string | string[];
  iat: number;
  exp: number;
}

function claimsOf(session: PersSession) {
  return {
    tenant_id: session.tenantPublicId,
    auth_type: session.authType,
    family_id: session.familyId,
    auth_time: session.authTime,
    ...(session.anonymous ? { anonymous: true } : {}),
    ...(session.mode === "test" ? { mode: "test" } : {}),
  };
}

export function issuePersAccessToken(deps: Deps, session: PersSession): Promise<string> {
  return signJwt(deps.keys, claimsOf(session), {
    typ: PERS_TOKEN_TYPES.access,
    issuer: deps.config.issuer,
    audience: deps.config.persAudience,
    ttlSeconds: deps.config.persAccessTokenTtlSeconds,
    now: deps.now,
    jti: randomId(),
    subject: session.tenantUserPublicId,
  });
}

/** A refresh token for the row `jti`, expiring with that row. */
export function issuePersRefreshToken(deps: Deps, session: PersSession, jti: string, expiresAt: Date): Promise<string> {
  const secondsLeft = Math.floor((expiresAt.getTime() - deps.now.getTime()) / 1000);
  return signJwt(deps.keys, claimsOf(session), {
    typ: PERS_TOKEN_TYPES.refresh,
    issuer: deps.config.issuer,
    audience: deps.config.persAudience,
    ttlSeconds: Math.max(1, secondsLeft),
    now: deps.now,
    jti,
    subject: session.tenantUserPublicId,
  });
}

/** Which kind of PERS token this claims to be (by header `typ`), before anything is verified. */
export function persTokenKindOf(token: string): PersTokenKind | null {
  const decoded = decodeCompactJws(token);
  if (typeof decoded === "string") return null;
  if (decoded.header.typ === PERS_TOKEN_TYPES.access) return "access";
  if (decoded.header.typ === PERS_TOKEN_TYPES.refresh) return "refresh";
  return null;
}

export type PersTokenResult =
  | { ok: true; claims: PersClaims; session: PersSession }
  | { ok: false; reason: JwtFailure };

export async function verifyPersToken(deps: Deps, kind: PersTokenKind, token: string): Promise<PersTokenResult> {
  const result = await verifyJwt<Partial<PersClaims>>(deps.keys, token, {
    typ: PERS_TOKEN_TYPES[kind],
    issuer: deps.config.issuer,
    audience: deps.config.persAudience,
    now: deps.now,
    requiredClaims: ["sub", "tenant_id", "auth_type", "family_id"],
  });
  if (!result.ok) return result;
  const claims = result.payload;
  const { sub, tenant_id, auth_type, family_id } = claims;
  if (
    typeof sub !== "string" ||
    typeof tenant_id !== "string" ||
    typeof family_id !== "string" ||
    !PERS_AUTH_TYPES.includes(auth_type as PersAuthType) ||
    (claims.auth_time !== undefined && typeof claims.auth_time !== "number") ||
    (claims.mode !== undefined && claims.mode !== "test")
  ) {
    return { ok: false, reason: "claim_invalid" };
  }
  return {
    ok: true,
    claims: claims as PersClaims,
    session: {
      tenantPublicId: tenant_id,
      tenantUserPublicId: sub,
      authType: auth_type as PersAuthType,
      familyId: family_id,
      anonymous: claims.anonymous === true,
      mode: claims.mode === "test" ? "test" : "live",
      authTime: claims.auth_time ?? (claims.iat as number),
    },
  };
}
