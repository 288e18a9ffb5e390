import { type CryptoKey, type JWTPayload, jwtVerify } from "jose";
import type { IdpAlgorithm } from "../domain";
import {
  CLOCK_TOLERANCE_SECONDS,
  decodeCompactJws,
  decodeJsonSegment,
  failureOf,
  type JwtFailure,
  type JwtResult,
} from "./jwt";

/**
 * Tokens issued by a tenant's identity provider. The same strict compact check as our own tokens
 * runs first (so `jwk`, `jku`, `x5u`, `x5c` headers are refused before any key is chosen); then
 * the unverified `iss` only selects which of the tenant's providers to try, and verification pins
 * that issuer, the provider's audience and its allowed algorithms.
 */

/** Identity providers' tokens are larger than ours (many claims, long RSA signatures). */
export const MAX_EXTERNAL_TOKEN_LENGTH = 8192;
const MAX_KID_LENGTH = 256;

export interface UnverifiedExternalToken {
  alg: string;
  kid: string;
  /** Unverified: good only for choosing the provider whose keys and issuer then pin it. */
  issuer: string;
}

export function inspectExternalToken(token: string): UnverifiedExternalToken | JwtFailure {
  const decoded = decodeCompactJws(token, MAX_EXTERNAL_TOKEN_LENGTH);
  if (typeof decoded === "string") return decoded;
  const { alg, kid } = decoded.header;
  // Without a kid the key would have to be guessed among the provider's keys; refuse instead.
  if (typeof alg !== "string" || typeof kid !== "string" || kid.length === 0 || kid.length > MAX_KID_LENGTH) {
    return "malformed";
  }
  const payload = decodeJsonSegment(decoded.segments[1]);
  if (!payload || typeof payload.iss !== "string" || payload.iss.length === 0) return "malformed";
  return { alg, kid, issuer: payload.iss };
}

export interface ExternalVerifyOptions {
  alg: IdpAlgorithm;
  issuer: string;
  audience: string;
  now: Date;
}

/** Signature with the provider's key for exactly `alg`, then `iss`, `aud`, `exp` (required), `nbf`, `iat`. */
export async function verifyExternalJwt(
  token: string,
  key: CryptoKey,
  options: ExternalVerifyOptions,
): Promise<JwtResult<JWTPayload>> {
  try {
    const { payload } = await jwtVerify(token, key, {
      algorithms: [options.alg],
      issuer: options.issuer,
      audience: options.audience,
      currentDate: options.now,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      requiredClaims: ["iss", "aud", "exp"],
    });
    if (payload.iat !== undefined && payload.iat > options.now.getTime() / 1000 + CLOCK_TOLERANCE_SECONDS) {
      return { ok: false, reason: "not_yet_valid" };
    }
    return { ok: true, payload };
  } catch (err) {
    return { ok: false, reason: failureOf(err) };
  }
}
