import { base64url, type CryptoKey, importJWK, type JWK } from "jose";
import type { IdpAlgorithm, PublicJwk } from "../domain";
import { hasRocaFingerprint } from "./roca";

/**
 * Public verification keys of identity providers (RFC 7517). Only the public members of RSA,
 * P-256 and Ed25519 keys are ever imported; a key carrying private material is refused, never
 * "cleaned", because a provider that publishes its private key is not one to trust.
 */

const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];
/** NIST SP 800-131A: RSA below 2048 bits is refused. */
export const MIN_RSA_MODULUS_BITS = 2048;
const MAX_KID_LENGTH = 256;

export type JwkProblem =
  | "not_an_object"
  | "private_key"
  | "missing_kid"
  | "unsupported_key_type"
  | "not_for_signatures"
  | "weak_key";

function isString(value: unknown): value is string {
  return typeof value === "string" && value.length > 0;
}

function unsignedOf(member: string): bigint | null {
  try {
    const bytes = base64url.decode(member);
    if (bytes.byteLength === 0) return null;
    return BigInt(`0x${Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("")}`);
  } catch {
    return null;
  }
}

/**
 * An RSA public key is weak when its modulus is under 2048 bits (counted as a number, so leading
 * zero bytes do not pad it up), carries the ROCA fingerprint, or its exponent is even or 1.
 */
function isWeakRsaKey(n: string, e: string): boolean {
  const modulus = unsignedOf(n);
  const exponent = unsignedOf(e);
  if (modulus === null || exponent === null) return true;
  if (modulus.toString(2).length < MIN_RSA_MODULUS_BITS) return true;
  if (exponent < 3n || exponent % 2n === 0n) return true;
  return hasRocaFingerprint(modulus);
}

/** The public members that matter for each key type; everything else is dropped before import. */
function publicMembers(jwk: Record<string, unknown>): JWK | null {
  if (jwk.kty === "RSA" && isString(jwk.n) && isString(jwk.e)) return { kty: "RSA", n: jwk.n, e: jwk.e };
  if (jwk.kty === "EC" && jwk.crv === "P-256" && isString(jwk.x) && isString(jwk.y)) {
    return { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y };
  }
  if (jwk.kty === "OKP" && jwk.crv === "Ed25519" && isString(jwk.x)) return { kty: "OKP", crv: "Ed25519", x: jwk.x };
  return null;
}

/** Why `value` cannot serve as a provider's public signature key, or null when it can. */
export function checkPublicJwk(value: unknown): JwkProblem | null {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "not_an_object";
  const jwk = value as Record<string, unknown>;
  if (PRIVATE_MEMBERS.some((member) => member in jwk)) return "private_key";
  if (!isString(jwk.kid) || jwk.kid.length > MAX_KID_LENGTH) return "missing_kid";
  if (jwk.use !== undefined && jwk.use !== "sig") return "not_for_signatures";
  if (jwk.key_ops !== undefined && !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes("verify"))) {
    return "not_for_signatures";
  }
  const members = publicMembers(jwk);
  if (!members) return "unsupported_key_type";
  if (members.kty === "RSA" && isWeakRsaKey(members.n as string, members.e as string)) return "weak_key";
  return null;
}

/** Whether a JWS `alg` can be verified with this key (RFC 7518 §3.1, RFC 8037). */
export function keyFitsAlgorithm(jwk: PublicJwk, alg: IdpAlgorithm): boolean {
  if (jwk.alg !== undefined && jwk.alg !== alg) return false;
  switch (alg) {
    case "RS256":
    case "PS256":
      return jwk.kty === "RSA";
    case "ES256":
      return jwk.kty === "EC" && jwk.crv === "P-256";
    case "EdDSA":
      return jwk.kty === "OKP" && jwk.crv === "Ed25519";
  }
}

/** Imports the public half of `jwk` for `alg`. The caller has checked it with `checkPublicJwk`. */
export async function importVerificationKey(jwk: PublicJwk, alg: IdpAlgorithm): Promise<CryptoKey> {
  const members = publicMembers(jwk);
  if (!members || !keyFitsAlgorithm(jwk, alg)) throw new Error("key does not fit the algorithm");
  return (await importJWK(members, alg)) as CryptoKey;
}

/**
 * The usable signature keys of a JWKS document fetched from a provider. Keys for other uses or
 * of unsupported types are skipped (real JWKS mix them); a set that is not a JWKS at all, or that
 * contains a private key, is refused as a whole.
 */
export function usableKeysOf(document: unknown): PublicJwk[] | null {
  if (typeof document !== "object" || document === null || Array.isArray(document)) return null;
  const keys = (document as { keys?: unknown }).keys;
  if (!Array.isArray(keys)) return null;
  const usable: PublicJwk[] = [];
  for (const key of keys) {
    const problem = checkPublicJwk(key);
    if (problem === "private_key" || problem === "not_an_object") return null;
    if (problem === null) usable.push(key as PublicJwk);
  }
  return usable;
}
