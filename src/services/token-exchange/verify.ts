import { MAX_EXTERNAL_TOKEN_LENGTH } from "../../crypto/external-jwt";
import { decodeCompactJws, type JwtFailure } from "../../crypto/jwt";
import { findRefreshTokenStatus } from "../../storage/refresh-tokens";
import type { Deps } from "../deps";
import { isFamilyLive, lifetimeRefusal } from "./pers-sessions";
import { type PersClaims, type PersTokenKind, persTokenKindOf, verifyPersToken } from "./pers-tokens";
import type { ProjectTenant } from "./project-key";

/** Stable, machine-readable reasons `/v2/auth/verify` gives for an invalid token. */
export const VERIFY_REASONS = [
  "malformed",
  "unsupported_token",
  "bad_signature",
  "expired",
  "not_yet_valid",
  "invalid_claims",
  "wrong_tenant",
  "revoked",
  "rotated",
] as const;
export type VerifyReason = (typeof VERIFY_REASONS)[number];

export type VerifyOutcome =
  | { valid: true; tokenType: PersTokenKind; payload: PersClaims }
  | { valid: false; reason: VerifyReason; errorMessage: string };

const MESSAGES: Record<VerifyReason, string> = {
  malformed: "Invalid token",
  unsupported_token: "Invalid token",
  bad_signature: "Invalid token",
  expired: "Token expired",
  not_yet_valid: "Token not yet valid",
  invalid_claims: "Invalid token",
  wrong_tenant: "Token belongs to another project",
  revoked: "Token revoked",
  rotated: "Refresh token already used",
};

function invalid(reason: VerifyReason): VerifyOutcome {
  return { valid: false, reason, errorMessage: MESSAGES[reason] };
}

function reasonOf(failure: JwtFailure): VerifyReason {
  switch (failure) {
    case "malformed":
    case "forbidden_header":
      return "malformed";
    case "unknown_kid":
    case "algorithm_mismatch":
    case "bad_signature":
      return "bad_signature";
    case "wrong_type":
      return "unsupported_token";
    case "expired":
      return "expired";
    case "not_yet_valid":
      return "not_yet_valid";
    case "claim_invalid":
      return "invalid_claims";
  }
}

/**
 * `POST /v2/auth/verify`: is this one of our PERS tokens (access or refresh), valid, of the
 * caller's tenant, and is its family still live? For a refresh token, also: is its family within
 * today's lifetime and inactivity bounds (as refresh checks), and has it not been rotated or
 * revoked (its D1 row)? Tokens that are not PERS tokens (a Ping token, an identity provider's
 * token) are `unsupported_token`; anything that is not a token at all (not a string, empty,
 * longer than any token we accept) is `malformed`.
 */
export async function verifyAnyPersToken(deps: Deps, tenant: ProjectTenant, token: unknown): Promise<VerifyOutcome> {
  // Whatever a client sends as the token gets a verdict, never a 400: PERS clients read `valid`.
  if (typeof token !== "string" || token.length === 0 || token.length > MAX_EXTERNAL_TOKEN_LENGTH) {
    return invalid("malformed");
  }
  const kind = persTokenKindOf(token);
  if (!kind) return invalid(typeof decodeCompactJws(token) === "string" ? "malformed" : "unsupported_token");
  const verified = await verifyPersToken(deps, kind, token);
  if (!verified.ok) return invalid(reasonOf(verified.reason));
  const { claims, session } = verified;
  if (session.tenantPublicId !== tenant.tenantPublicId) return invalid("wrong_tenant");
  if (!(await isFamilyLive(deps, session, claims.iat))) return invalid("revoked");
  if (kind === "refresh") {
    // What refresh would refuse: a family past today's lifetime or inactivity bound.
    if (lifetimeRefusal(deps, session, claims.iat) !== null) return invalid("expired");
    const status = await findRefreshTokenStatus(deps.db, claims.jti);
    if (status === "rotated") return invalid("rotated");
    if (status !== "active") return invalid("revoked");
  }
  return { valid: true, tokenType: kind, payload: claims };
}
