import { env } from "cloudflare:workers";
import { generateApiKey } from "../../src/crypto/api-key-format";
import { readConfig } from "../../src/env";
import { MAX_JSON_DEPTH } from "../../src/middleware/json-body";
import type { Fixtures } from "./fixtures";
import { forgeToken, hmacConfusionToken, tamperSignature, unsignedToken } from "./forge";

/**
 * The shared generator of bad requests (after unkey's security-test generator): for each kind of
 * credential, every malformed, oversized, forged, expired, replayed and spoofed variant of it, and
 * for each JSON body, every malformed one. Each variant says which status it must get.
 */

export type Dialect = "ping" | "pingpage" | "gateway" | "pers";

export interface Variant {
  name: string;
  /** Replaces the credential headers of a valid request. */
  headers?: Record<string, string>;
  /** Replaces the body of a valid request (and its Content-Type when `contentType` is set). */
  body?: string | Uint8Array;
  contentType?: string;
  status: number;
  /** What the JSON answer must contain, where the status alone does not say it (PERS verify's verdict). */
  json?: Record<string, unknown>;
}

/** PingPage knows 400 for every bad input (its contract): an oversized body or header, a body not sent as JSON. */
export function statusIn(dialect: Dialect, status: number): number {
  return dialect === "pingpage" && (status === 413 || status === 431 || status === 415) ? 400 : status;
}

export const OVERSIZED_HEADER = "a".repeat(9 * 1024);
export const SPOOFED_IDENTITY = {
  "X-Auth-User-Id": "00000000-0000-4000-8000-000000000001",
  "X-Auth-User-Type": "adminuser",
  "X-Auth-Method": "jwt",
  "X-Auth-Key-Id": "key_spoofed",
  "X-Auth-Tenant-Id": "00000000-0000-4000-8000-000000000001",
  "X-Auth-Permissions": "sms,email,whatsapp,templates,bulk",
};

export async function bearerVariants(f: Fixtures): Promise<Variant[]> {
  const victim = f.user;
  const now = Math.floor(Date.now() / 1000);
  const bearer = (token: string, userType: string = victim.userType) => ({
    Authorization: `Bearer ${token}`,
    "User-Type": userType,
  });
  const forged = async (forgery: Parameters<typeof forgeToken>[1]) => bearer(await forgeToken(victim, forgery));
  return [
    { name: "no token", headers: {}, status: 401 },
    {
      name: "Basic credentials instead of a token",
      headers: { Authorization: "Basic dXNlcjpwYXNz", "User-Type": "user" },
      status: 401,
    },
    { name: "a bearer token that is not a JWT", headers: bearer("not-a-jwt"), status: 401 },
    {
      name: "a token longer than any we issue",
      headers: bearer(`${"a".repeat(3000)}.${"b".repeat(2000)}.c`),
      status: 401,
    },
    { name: "an oversized Authorization header", headers: bearer(OVERSIZED_HEADER), status: 431 },
    { name: "a tampered bearer token", headers: bearer(tamperSignature(victim.accessToken)), status: 401 },
    { name: "an unsigned token (alg none)", headers: bearer(unsignedToken(victim)), status: 401 },
    { name: "a token naming an unknown kid", headers: await forged({ header: { kid: "unknown-kid" } }), status: 401 },
    {
      name: "an HS256 token keyed with our public key",
      headers: bearer(await hmacConfusionToken(victim)),
      status: 401,
    },
    {
      name: "a token verified by the jwk it carries",
      headers: await forged({ header: { jwk: { kty: "EC", crv: "P-256", x: "AA", y: "AA" } } }),
      status: 401,
    },
    {
      name: "a token pointing at an attacker's jku",
      headers: await forged({ header: { jku: "https://attacker.example/jwks.json" } }),
      status: 401,
    },
    {
      name: "a token with a crit extension nobody understands",
      headers: await forged({ header: { crit: ["urn:example:ext"], "urn:example:ext": true } }),
      status: 401,
    },
    {
      name: "a token from another issuer",
      headers: await forged({ claims: { iss: "https://attacker.example" } }),
      status: 401,
    },
    { name: "a token for another audience", headers: await forged({ claims: { aud: "someone-else" } }), status: 401 },
    { name: "an expired token", headers: await forged({ claims: { iat: now - 7200, exp: now - 3600 } }), status: 401 },
    {
      name: "a token not yet valid",
      headers: await forged({ claims: { iat: now + 3600, exp: now + 7200 } }),
      status: 401,
    },
    { name: "a refresh token as access token", headers: bearer(victim.refreshToken), status: 401 },
    { name: "an access token replayed after logout", headers: bearer(f.loggedOut.accessToken), status: 401 },
    {
      name: "a user's token claiming User-Type adminuser",
      headers: bearer(victim.accessToken, "adminuser"),
      status: 401,
    },
    { name: "an unknown User-Type", headers: bearer(victim.accessToken, "root"), status: 401 },
    { name: "spoofed identity headers, no token", headers: SPOOFED_IDENTITY, status: 401 },
    { name: "a session cookie instead of a token", headers: { Cookie: `session_token=${f.cookie}` }, status: 401 },
  ];
}

/** Admin routes also refuse a perfectly valid token of the wrong user type. */
export function adminOnlyVariants(f: Fixtures): Variant[] {
  return [
    {
      name: "a valid user token (not an admin)",
      headers: { Authorization: `Bearer ${f.user.accessToken}`, "User-Type": "user" },
      status: 403,
    },
    {
      name: "a user token claiming to be an admin",
      headers: { Authorization: `Bearer ${f.user.accessToken}`, "User-Type": "adminuser", ...SPOOFED_IDENTITY },
      status: 401,
    },
  ];
}

export function cookieVariants(f: Fixtures): Variant[] {
  const [userId, sessionId] = f.cookie.split(".");
  const cookie = (value: string) => ({ Cookie: `session_token=${value}` });
  return [
    { name: "no cookie", headers: {}, status: 401 },
    { name: "a malformed cookie", headers: cookie("abc"), status: 401 },
    { name: "a cookie with a forged secret", headers: cookie(`${userId}.${sessionId}.${"A".repeat(43)}`), status: 401 },
    {
      name: "a cookie naming another user on our session",
      headers: cookie(`${f.admin.publicId}.${sessionId}.${f.cookie.split(".")[2]}`),
      status: 401,
    },
    { name: "an oversized cookie", headers: cookie(OVERSIZED_HEADER), status: 431 },
    { name: "a cookie replayed after logout", headers: cookie(f.loggedOutCookie), status: 401 },
    { name: "spoofed identity headers, no cookie", headers: SPOOFED_IDENTITY, status: 401 },
    {
      name: "a bearer token instead of the cookie",
      headers: { Authorization: `Bearer ${f.user.accessToken}`, "User-Type": "user" },
      status: 401,
    },
  ];
}

export async function apiKeyVariants(f: Fixtures): Promise<Variant[]> {
  const key = (value: string) => ({ "X-Ping-Api-Key": value });
  const unknown = await generateApiKey("secret", "live");
  const last = f.apiKey.at(-1) === "1" ? "2" : "1";
  return [
    { name: "no key", headers: {}, status: 401 },
    { name: "a malformed key", headers: key("sk_live_short"), status: 401 },
    { name: "a key with a typo (its checksum fails)", headers: key(`${f.apiKey.slice(0, -1)}${last}`), status: 401 },
    { name: "a well-formed key nobody issued", headers: key(unknown.plaintext), status: 401 },
    { name: "a revoked key", headers: key(f.revokedApiKey), status: 401 },
    { name: "an oversized key header", headers: key(OVERSIZED_HEADER), status: 431 },
    { name: "spoofed identity headers, no key", headers: SPOOFED_IDENTITY, status: 401 },
    {
      name: "a bearer token instead of a key",
      headers: { Authorization: `Bearer ${f.user.accessToken}`, "User-Type": "user" },
      status: 401,
    },
  ];
}

function nested(depth: number): unknown {
  let value: unknown = "x";
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

/** Bodies that must be refused before any validation or storage, whatever the route. */
export function bodyVariants(validBody: Record<string, unknown>): Variant[] {
  const maxBytes = readConfig(env).maxBodyBytes;
  return [
    { name: "a wrong Content-Type", body: JSON.stringify(validBody), contentType: "text/plain", status: 415 },
    { name: "a form body", body: "a=1&b=2", contentType: "application/x-www-form-urlencoded", status: 415 },
    { name: "malformed JSON", body: '{"email": ', status: 400 },
    { name: "invalid UTF-8", body: new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]), status: 400 },
    { name: "a JSON array", body: "[]", status: 400 },
    {
      name: "JSON nested too deeply",
      body: JSON.stringify({ ...validBody, extra: nested(MAX_JSON_DEPTH + 2) }),
      status: 400,
    },
    { name: "an oversized body", body: JSON.stringify({ ...validBody, pad: "x".repeat(maxBytes) }), status: 413 },
    { name: "an empty body", body: "", status: 400 },
    { name: "a lone surrogate in each string", body: JSON.stringify(withLoneSurrogates(validBody)), status: 400 },
    {
      name: "a lone surrogate in a key",
      body: JSON.stringify({ ...validBody, "x\udc00": 1 }),
      status: 400,
    },
  ];
}

/** `value` with an unpaired surrogate (`\ud800`, which JSON can spell but UTF-8 cannot hold) after each string. */
function withLoneSurrogates(value: unknown): unknown {
  if (typeof value === "string") return `${value}\ud800`;
  if (Array.isArray(value)) return value.map(withLoneSurrogates);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, withLoneSurrogates(child)]));
}

/** `POST /v1/auth/refresh`: everything that is not a live Ping refresh token of the right user type. */
export async function pingRefreshVariants(f: Fixtures): Promise<Variant[]> {
  const now = Math.floor(Date.now() / 1000);
  const refresh = (refreshToken: unknown, userType = "user") => JSON.stringify({ refreshToken, userType });
  const asRefresh = { header: { typ: "rt+jwt" } };
  return [
    { name: "a tampered refresh token", body: refresh(tamperSignature(f.user.refreshToken)), status: 401 },
    { name: "an access token as refresh token", body: refresh(f.user.accessToken), status: 401 },
    { name: "an unsigned refresh token (alg none)", body: refresh(unsignedToken(f.user)), status: 401 },
    {
      name: "an expired refresh token",
      body: refresh(await forgeToken(f.user, { ...asRefresh, claims: { iat: now - 7200, exp: now - 3600 } })),
      status: 401,
    },
    {
      name: "a refresh token from another issuer",
      body: refresh(await forgeToken(f.user, { ...asRefresh, claims: { iss: "https://attacker.example" } })),
      status: 401,
    },
    { name: "a refresh token replayed after logout", body: refresh(f.loggedOut.refreshToken), status: 401 },
    { name: "a refresh token claiming another user type", body: refresh(f.user.refreshToken, "agent"), status: 401 },
    { name: "a token longer than any we issue", body: refresh("a".repeat(5000)), status: 400 },
    { name: "a token that is not a string", body: refresh({ $gt: "" }), status: 400 },
    { name: "an oversized Cookie header", headers: { Cookie: OVERSIZED_HEADER }, status: 431 },
  ];
}
