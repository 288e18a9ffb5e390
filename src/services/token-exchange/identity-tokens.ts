import type { JWTPayload } from "jose";
import { inspectExternalToken, type UnverifiedExternalToken, verifyExternalJwt } from "../../crypto/external-jwt";
import { IDP_ALGORITHMS, type IdpAlgorithm } from "../../domain";
import { AppError, dependencyUnavailable } from "../../errors";
import type { IdentityProviderRow } from "../../storage/schema";
import type { Deps } from "../deps";
import { findProviderKey, type JwksSource } from "./provider-keys";

/** An external identity whose token a tenant's provider signed, reduced to what we keep. */
export interface VerifiedIdentity {
  issuer: string;
  subject: string;
  email: string | null;
  name: string | null;
}

const MAX_SUBJECT_LENGTH = 255;
const MAX_EMAIL_LENGTH = 320;
const MAX_NAME_LENGTH = 200;

function refuse(detail: string): AppError {
  // One wire answer for every way an identity token fails; the reason is for logs only.
  return new AppError("invalid_token", { detail: `identity token: ${detail}` });
}

/** Reads the unverified header and issuer, refusing anything malformed or pointing at its own keys. */
export function inspectIdentityToken(token: string): UnverifiedExternalToken {
  const inspected = inspectExternalToken(token);
  if (typeof inspected === "string") throw refuse(inspected);
  return inspected;
}

function sourceOf(provider: IdentityProviderRow): JwksSource {
  if (provider.jwksUrl) return { kind: "url", url: provider.jwksUrl };
  return {
    kind: "inline",
    cacheKey: `${provider.publicId}:${provider.updatedAt.getTime()}`,
    keys: provider.jwksInline?.keys ?? [],
  };
}

/** Control characters (NUL, newlines) have no place in an identifier, an address or a name. */
const CONTROL_CHARACTER = /\p{Cc}/u;

function boundedString(value: unknown, max: number): string | null {
  if (typeof value !== "string" || value.length === 0 || value.length > max) return null;
  return CONTROL_CHARACTER.test(value) ? null : value;
}

function subjectOf(claims: JWTPayload, claim: string): string | null {
  const value = claims[claim];
  if (typeof value === "number" && Number.isSafeInteger(value)) return String(value);
  return boundedString(value, MAX_SUBJECT_LENGTH);
}

/**
 * Verifies an identity provider's token for one of the tenant's providers (chosen by the token's
 * unverified `iss`): the `kid` must name a key of the provider's JWKS, the header `alg` must be one
 * the provider allows and fit that key, and `iss`, `aud` and `exp` are checked with 30 s leeway.
 */
export async function verifyIdentityToken(
  deps: Deps,
  provider: IdentityProviderRow,
  token: string,
  inspected: UnverifiedExternalToken,
): Promise<VerifiedIdentity> {
  const alg = inspected.alg as IdpAlgorithm;
  if (!IDP_ALGORITHMS.includes(alg) || !provider.allowedAlgorithms.includes(alg)) {
    throw refuse(`algorithm ${inspected.alg.slice(0, 16)} not allowed`);
  }
  const lookup = await findProviderKey(deps, sourceOf(provider), inspected.kid, alg);
  if (!lookup.ok) {
    // The provider is down and no set, fresh or stale, is at hand: an outage, not a bad token.
    if (lookup.reason === "jwks_unavailable") {
      throw dependencyUnavailable("jwks", `identity provider ${provider.publicId}: JWKS unreachable, none cached`);
    }
    throw refuse(lookup.reason);
  }
  const verified = await verifyExternalJwt(token, lookup.key, {
    alg,
    issuer: provider.issuer,
    audience: provider.audience,
    now: deps.now,
  });
  if (!verified.ok) throw refuse(verified.reason);
  const claims = verified.payload;
  const subject = subjectOf(claims, provider.claimMapping.subject);
  if (!subject) throw refuse("no usable subject claim");
  const mapping = provider.claimMapping;
  return {
    issuer: provider.issuer,
    subject,
    email: mapping.email ? boundedString(claims[mapping.email], MAX_EMAIL_LENGTH) : null,
    name: mapping.name ? boundedString(claims[mapping.name], MAX_NAME_LENGTH) : null,
  };
}
