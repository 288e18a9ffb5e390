import { env } from "cloudflare:workers";
import { base64url, CompactSign, importJWK, type JWK } from "jose";
import { readConfig } from "../../src/env";

/** Tokens an attacker might present, made with our own signing key where that is the point. */

const encoder = new TextEncoder();
const config = readConfig(env);
const signer = (JSON.parse(env.SIGNING_KEYS) as { keys: Array<JWK & { kid: string }> }).keys[0];
if (!signer) throw new Error("SIGNING_KEYS has no key");

export interface Forgery {
  header?: Record<string, unknown>;
  claims?: Record<string, unknown>;
}

/** A token exactly like an access token for `session`, then altered by `forgery`, signed with our key. */
export async function forgeToken(
  session: { publicId: string; sessionId: string; userType: string },
  forgery: Forgery = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const payload = {
    public_id: session.publicId,
    session_id: session.sessionId,
    user_type: session.userType,
    sub: session.publicId,
    iss: config.issuer,
    aud: config.audience,
    iat: now,
    exp: now + 600,
    jti: crypto.randomUUID(),
    ...forgery.claims,
  };
  const header: Record<string, unknown> = { alg: "ES256", kid: signer?.kid, typ: "at+jwt", ...forgery.header };
  const key = await importJWK(signer as JWK, "ES256");
  // jose signs a `crit` header only for extensions it is told it understands.
  const crit = Array.isArray(header.crit)
    ? Object.fromEntries(header.crit.map((name: unknown) => [name, true]))
    : undefined;
  return new CompactSign(encoder.encode(JSON.stringify(payload)))
    .setProtectedHeader(header as { alg: string })
    .sign(key, crit ? { crit } : undefined);
}

/** The claims of a Ping access token for `session`, valid for ten minutes from `now`. */
function accessClaims(session: { publicId: string; sessionId: string; userType: string }, now: number, jti: string) {
  return {
    public_id: session.publicId,
    session_id: session.sessionId,
    user_type: session.userType,
    iss: config.issuer,
    aud: config.audience,
    iat: now,
    exp: now + 600,
    jti,
  };
}

/** `alg: none`: no signature at all. */
export function unsignedToken(session: { publicId: string; sessionId: string; userType: string }): string {
  const now = Math.floor(Date.now() / 1000);
  const part = (value: unknown) => base64url.encode(encoder.encode(JSON.stringify(value)));
  const header = part({ alg: "none", kid: signer?.kid, typ: "at+jwt" });
  const payload = part(accessClaims(session, now, "x"));
  return `${header}.${payload}.`;
}

/** Flips one character in the middle of the signature: well-formed, not what we signed. */
export function tamperSignature(token: string): string {
  const [header, payload, signature = ""] = token.split(".");
  const middle = Math.floor(signature.length / 2);
  const flipped = signature[middle] === "A" ? "B" : "A";
  return `${header}.${payload}.${signature.slice(0, middle)}${flipped}${signature.slice(middle + 1)}`;
}

/** Algorithm confusion: HS256 "signed" with our public key as the HMAC secret. */
export async function hmacConfusionToken(session: { publicId: string; sessionId: string; userType: string }) {
  const { d: _private, ...publicJwk } = signer as JWK;
  const now = Math.floor(Date.now() / 1000);
  const payload = accessClaims(session, now, crypto.randomUUID());
  return new CompactSign(encoder.encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: "HS256", kid: signer?.kid, typ: "at+jwt" })
    .sign(encoder.encode(JSON.stringify(publicJwk)));
}

/** A compact JWS from raw parts, for tokens no honest library would produce (`alg: none`). */
export function compactJws(header: object, payload: object, signature = ""): string {
  const part = (value: object) => base64url.encode(encoder.encode(JSON.stringify(value)));
  return `${part(header)}.${part(payload)}.${signature}`;
}
