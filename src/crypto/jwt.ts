import { base64url, errors, type JWTPayload, jwtVerify, SignJWT } from "jose";
import {
  CACHE_BUDGET_BYTES,
  ENTRY_OVERHEAD_BYTES,
  jsonValueBytes,
  NUMBER_BYTES,
  objectBytes,
  stringBytes,
} from "../isolate-memory";
import { LruCache } from "../lru-cache";
import type { SigningKeySet } from "./signing-keys";
import { decodeUtf8Strict } from "./utf8";

/**
 * Strict JWT handling for Gatehouse's own tokens (RFC 8725).
 *
 * jose decodes leniently, so every token first passes a strict compact-format check here:
 * bounded length, exactly three non-empty base64url segments in canonical encoding, a JSON
 * header whose `kid` names one of our keys and whose `alg` is that key's algorithm. Header
 * parameters that point at other keys (`jwk`, `jku`, `x5u`, `x5c`) or demand extensions
 * (`crit`, `b64`) are refused outright: we never emit them, so a token carrying one is forged.
 */

export const MAX_TOKEN_LENGTH = 4096;
/** Tolerated clock skew between edge locations, in seconds. */
export const CLOCK_TOLERANCE_SECONDS = 30;

const SEGMENT = /^[A-Za-z0-9_-]+$/;
const FORBIDDEN_HEADER_PARAMETERS = ["jwk", "jku", "x5u", "x5c", "x5t", "x5t#S256", "crit", "b64"];

export type JwtFailure =
  | "malformed"
  | "forbidden_header"
  | "unknown_kid"
  | "algorithm_mismatch"
  | "wrong_type"
  | "bad_signature"
  | "expired"
  | "not_yet_valid"
  | "claim_invalid";

export type JwtResult<T> = { ok: true; payload: T & JWTPayload } | { ok: false; reason: JwtFailure };

interface ProtectedHeader {
  alg: string;
  kid: string;
  typ?: string;
}

function isCanonicalSegment(segment: string): boolean {
  if (!SEGMENT.test(segment)) return false;
  try {
    return base64url.encode(base64url.decode(segment)) === segment;
  } catch {
    return false;
  }
}

/** Decodes one canonical base64url segment as a JSON object, or null. */
export function decodeJsonSegment(segment: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(decodeUtf8Strict(base64url.decode(segment)));
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/**
 * The strict compact-format check shared by our tokens and identity providers' tokens: bounded
 * length, three canonical segments, a JSON-object header without key-pointing or extension
 * parameters. Returns the header fields and the segments, nothing verified yet.
 */
export function decodeCompactJws(
  token: string,
  maxLength = MAX_TOKEN_LENGTH,
): { header: Record<string, unknown>; segments: [string, string, string] } | JwtFailure {
  if (token.length > maxLength) return "malformed";
  const segments = token.split(".");
  if (segments.length !== 3 || !segments.every(isCanonicalSegment)) return "malformed";
  const header = decodeJsonSegment(segments[0] as string);
  if (!header) return "malformed";
  if (FORBIDDEN_HEADER_PARAMETERS.some((name) => name in header)) return "forbidden_header";
  return { header, segments: segments as [string, string, string] };
}

/** Strictly parses the protected header of a compact JWS, or says why it refuses to. */
export function parseCompactHeader(token: string): ProtectedHeader | JwtFailure {
  const decoded = decodeCompactJws(token);
  if (typeof decoded === "string") return decoded;
  const fields = decoded.header;
  if (typeof fields.alg !== "string" || typeof fields.kid !== "string") return "malformed";
  if (fields.typ !== undefined && typeof fields.typ !== "string") return "malformed";
  return { alg: fields.alg, kid: fields.kid, typ: fields.typ as string | undefined };
}

export interface SignOptions {
  typ: string;
  issuer: string;
  audience: string;
  ttlSeconds: number;
  now: Date;
  jti: string;
  subject?: string;
}

export async function signJwt(keys: SigningKeySet, claims: JWTPayload, options: SignOptions): Promise<string> {
  const issuedAt = Math.floor(options.now.getTime() / 1000);
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: keys.signer.alg, kid: keys.signer.kid, typ: options.typ })
    .setIssuer(options.issuer)
    .setAudience(options.audience)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + options.ttlSeconds)
    .setJti(options.jti);
  if (options.subject) jwt.setSubject(options.subject);
  return jwt.sign(keys.signer.key);
}

export interface VerifyOptions {
  typ: string;
  issuer: string;
  audience: string;
  now: Date;
  /** Claims that must be present besides iss, aud, exp, iat and jti. */
  requiredClaims?: string[];
}

/** Maps jose's verification errors onto our stable failure reasons. */
export function failureOf(err: unknown): JwtFailure {
  if (err instanceof errors.JWTExpired) return "expired";
  if (err instanceof errors.JWSSignatureVerificationFailed) return "bad_signature";
  if (err instanceof errors.JOSEAlgNotAllowed) return "algorithm_mismatch";
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === "typ") return "wrong_type";
    if (err.claim === "nbf" || (err.claim === "iat" && err.reason === "check_failed")) return "not_yet_valid";
    return "claim_invalid";
  }
  return "malformed";
}

/**
 * Tokens that verified recently, per isolate. A signature check costs more than everything else a
 * warm gateway request does, and a client sends the same access token again and again. Whether a
 * token verifies depends only on its bytes, the key set and the options, apart from time; so a hit
 * needs the same key set and options, and its time claims are checked again against `now`. Only
 * successes are kept, for at most a minute. Revocation is unaffected: callers check the session
 * after verifying.
 */
const VERIFIED_CACHE_MS = 60_000;
interface VerifiedToken {
  payload: JWTPayload;
  keys: SigningKeySet;
  options: string;
  validFromMs: number;
  validUntilMs: number;
}
const verifiedTokens = new LruCache<string, VerifiedToken>({
  maxBytes: CACHE_BUDGET_BYTES.verifiedJwts,
  sizeOf: (token, verified) =>
    ENTRY_OVERHEAD_BYTES +
    stringBytes(token) +
    objectBytes(5) +
    jsonValueBytes(verified.payload) +
    stringBytes(verified.options) +
    2 * NUMBER_BYTES,
});

function optionsKey(options: VerifyOptions): string {
  return JSON.stringify([options.typ, options.issuer, options.audience, options.requiredClaims ?? []]);
}

/** Verifies one of our own tokens: our key by `kid`, that key's algorithm, the expected `typ` and claims. */
export async function verifyJwt<T>(keys: SigningKeySet, token: string, options: VerifyOptions): Promise<JwtResult<T>> {
  const nowMs = options.now.getTime();
  const wanted = optionsKey(options);
  const hit = verifiedTokens.get(token);
  if (hit && hit.keys === keys && hit.options === wanted && nowMs >= hit.validFromMs && nowMs < hit.validUntilMs) {
    return { ok: true, payload: hit.payload as T & JWTPayload };
  }
  const result = await verifyUncached<T>(keys, token, options);
  if (result.ok) {
    const { exp, iat, nbf } = result.payload;
    const toleranceMs = CLOCK_TOLERANCE_SECONDS * 1000;
    verifiedTokens.set(token, {
      payload: result.payload,
      keys,
      options: wanted,
      validFromMs: Math.max(iat ?? 0, nbf ?? 0) * 1000 - toleranceMs,
      validUntilMs: Math.min((exp ?? 0) * 1000 + toleranceMs, nowMs + VERIFIED_CACHE_MS),
    });
  }
  return result;
}

async function verifyUncached<T>(keys: SigningKeySet, token: string, options: VerifyOptions): Promise<JwtResult<T>> {
  const header = parseCompactHeader(token);
  if (typeof header === "string") return { ok: false, reason: header };
  const key = keys.verifiers.get(header.kid);
  if (!key) return { ok: false, reason: "unknown_kid" };
  if (header.alg !== key.alg) return { ok: false, reason: "algorithm_mismatch" };
  if (header.typ !== options.typ) return { ok: false, reason: "wrong_type" };
  try {
    const { payload } = await jwtVerify<T>(token, key.key, {
      algorithms: [key.alg],
      issuer: options.issuer,
      audience: options.audience,
      typ: options.typ,
      currentDate: options.now,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      requiredClaims: ["iss", "aud", "exp", "iat", "jti", ...(options.requiredClaims ?? [])],
    });
    const issuedAt = payload.iat ?? 0;
    if (issuedAt > options.now.getTime() / 1000 + CLOCK_TOLERANCE_SECONDS)
      return { ok: false, reason: "not_yet_valid" };
    return { ok: true, payload };
  } catch (err) {
    return { ok: false, reason: failureOf(err) };
  }
}
