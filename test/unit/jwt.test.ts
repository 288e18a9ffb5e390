import { env } from "cloudflare:workers";
import {
  base64url,
  CompactSign,
  type CryptoKey,
  createLocalJWKSet,
  exportSPKI,
  generateKeyPair,
  importJWK,
  type JWK,
  jwtVerify,
  UnsecuredJWT,
} from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { CLOCK_TOLERANCE_SECONDS, MAX_TOKEN_LENGTH } from "../../src/crypto/jwt";
import type { SigningKeySet } from "../../src/crypto/signing-keys";
import { readConfig } from "../../src/env";
import type { Deps } from "../../src/services/deps";
import { issueSessionToken, type TokenKind, verifySessionToken } from "../../src/services/sessions/session-tokens";
import type { SessionRecord } from "../../src/storage/session-store";
import { testDeps } from "../support/deps";

/**
 * Our own tokens against every forgery the issue lists. Each forged token differs from a token
 * that verifies (the control at the top) in exactly one respect, so each refusal is for that reason.
 */

const encoder = new TextEncoder();
const config = readConfig(env);
// Whole seconds, so the ±30 s leeway boundaries below are exact.
const NOW = new Date("2030-01-01T00:00:00Z");
const NOW_S = NOW.getTime() / 1000;

type PrivateJwk = JWK & { kid: string; alg: "ES256" | "EdDSA" };
const secretKeys = (JSON.parse(env.SIGNING_KEYS) as { keys: PrivateJwk[] }).keys;

function keyAt(index: number): PrivateJwk {
  const jwk = secretKeys[index];
  if (!jwk) throw new Error(`SIGNING_KEYS has no key #${index}`);
  return jwk;
}

const es256 = keyAt(0);
const eddsa = keyAt(1);

let keys: SigningKeySet;
let deps: Deps;
let es256Private: CryptoKey;
let eddsaPrivate: CryptoKey;

beforeAll(async () => {
  deps = (await testDeps()).at(NOW);
  keys = deps.keys;
  es256Private = (await importJWK(es256, "ES256")) as CryptoKey;
  eddsaPrivate = (await importJWK(eddsa, "EdDSA")) as CryptoKey;
});

function validClaims(): Record<string, unknown> {
  return {
    public_id: "8a6e0804-2bd0-4672-b79d-d97027f9071e",
    session_id: "session-1",
    user_type: "user",
    iss: config.issuer,
    aud: config.audience,
    iat: NOW_S,
    exp: NOW_S + 3600,
    jti: "jti-1",
  };
}

interface Forgery {
  header?: Record<string, unknown>;
  claims?: Record<string, unknown>;
  omit?: string[];
  key?: CryptoKey | Uint8Array;
  crit?: Record<string, boolean>;
}

/** A compact JWS signed with jose; by default exactly what `issueSessionToken` would produce. */
async function forge({ header = {}, claims = {}, omit = [], key, crit }: Forgery = {}): Promise<string> {
  const payload = { ...validClaims(), ...claims };
  const protectedHeader: Record<string, unknown> = { alg: "ES256", kid: es256.kid, typ: "at+jwt", ...header };
  for (const name of omit) {
    delete payload[name];
    delete protectedHeader[name];
  }
  return new CompactSign(encoder.encode(JSON.stringify(payload)))
    .setProtectedHeader(protectedHeader as { alg: string })
    .sign(key ?? es256Private, crit ? { crit } : undefined);
}

const verifyAccess = (token: string, now = NOW) => verifySessionToken({ ...deps, now }, "access", token);

function segmentsOf(token: string): [string, string, string] {
  const [header, payload, signature] = token.split(".");
  if (header === undefined || payload === undefined || signature === undefined) throw new Error("not a JWS");
  return [header, payload, signature];
}

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** The same bytes with a non-zero spare bit in the last character: decodes alike, not canonical. */
function nonCanonical(segment: string): string {
  if (segment.length % 4 !== 2 && segment.length % 4 !== 3) throw new Error("segment has no spare bits");
  const last = ALPHABET.indexOf(segment.slice(-1));
  return segment.slice(0, -1) + ALPHABET[last | 1];
}

function session(overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    id: "session-1",
    userPublicId: "8a6e0804-2bd0-4672-b79d-d97027f9071e",
    userType: "adminuser",
    kind: "token",
    createdAt: NOW.getTime(),
    expiresAt: NOW.getTime() + config.refreshTokenTtlSeconds * 1000,
    ...overrides,
  };
}

describe("tokens Gatehouse issues", () => {
  it("the forgery baseline (a correctly signed token of ours) verifies", async () => {
    expect(await verifyAccess(await forge())).toEqual({
      ok: true,
      claims: { public_id: validClaims().public_id, session_id: "session-1", user_type: "user" },
    });
  });

  it.each<[TokenKind, string, number]>([
    ["access", "at+jwt", config.accessTokenTtlSeconds],
    ["refresh", "rt+jwt", config.refreshTokenTtlSeconds],
  ])("an issued %s token carries typ %s, our signer's kid and its lifetime", async (kind, typ, ttl) => {
    const token = await issueSessionToken(deps, kind, session());
    const [header, payload] = segmentsOf(token)
      .slice(0, 2)
      .map((s) => JSON.parse(new TextDecoder().decode(base64url.decode(s))));
    expect(header).toEqual({ alg: "ES256", kid: es256.kid, typ });
    expect(payload).toMatchObject({ iss: config.issuer, aud: config.audience, iat: NOW_S, exp: NOW_S + ttl });
    expect(await verifySessionToken(deps, kind, token)).toEqual({
      ok: true,
      claims: { public_id: session().userPublicId, session_id: "session-1", user_type: "adminuser" },
    });
  });

  it("a token never outlives its session", async () => {
    const token = await issueSessionToken(deps, "access", session({ expiresAt: NOW.getTime() + 120_000 }));
    const payload = JSON.parse(new TextDecoder().decode(base64url.decode(segmentsOf(token)[1])));
    expect(payload.exp - payload.iat).toBe(120);
  });

  it("a refresh token is refused where an access token is expected, and vice versa", async () => {
    const refresh = await issueSessionToken(deps, "refresh", session());
    const access = await issueSessionToken(deps, "access", session());
    expect(await verifySessionToken(deps, "access", refresh)).toEqual({ ok: false, reason: "wrong_type" });
    expect(await verifySessionToken(deps, "refresh", access)).toEqual({ ok: false, reason: "wrong_type" });
  });
});

describe("malformed compact tokens are refused before jose sees them", () => {
  it.each([
    ["two segments", (t: string) => t.split(".").slice(0, 2).join(".")],
    ["four segments", (t: string) => `${t}.${segmentsOf(t)[2]}`],
    ["an empty signature", (t: string) => `${segmentsOf(t)[0]}.${segmentsOf(t)[1]}.`],
    ["padding on the signature", (t: string) => `${t}==`],
    ["a space inside the payload", (t: string) => t.replace(".", ". ")],
    ["a trailing newline", (t: string) => `${t}\n`],
    ["a leading space", (t: string) => ` ${t}`],
    ["a tab inside the signature", (t: string) => `${t.slice(0, -10)}\t${t.slice(-10)}`],
    // Always at least one: a random signature need not contain `-` or `_` to translate.
    [
      "standard base64 characters",
      (t: string) => {
        const [header, payload, signature] = segmentsOf(t);
        const standard = (segment: string) => segment.replace(/[-_]/g, (c) => (c === "-" ? "+" : "/"));
        return `${standard(header)}.${standard(payload)}.+${standard(signature.slice(1))}`;
      },
    ],
    ["the empty string", () => ""],
  ])("a token with %s", async (_name, mangle) => {
    const token = await forge();
    const mangled = mangle(token);
    expect(mangled).not.toBe(token);
    expect(await verifyAccess(mangled)).toEqual({ ok: false, reason: "malformed" });
  });

  it("a non-canonical signature that jose alone would accept is refused", async () => {
    const token = await forge();
    const [header, payload, signature] = segmentsOf(token);
    const tweaked = `${header}.${payload}.${nonCanonical(signature)}`;
    // Same bytes, so a lenient verifier accepts it: only the strict format check stands in the way.
    expect(base64url.decode(nonCanonical(signature))).toEqual(base64url.decode(signature));
    await expect(jwtVerify(tweaked, publicKeyOf(es256.kid))).resolves.toBeDefined();
    expect(await verifyAccess(tweaked)).toEqual({ ok: false, reason: "malformed" });
  });

  it(`a validly signed token just under ${MAX_TOKEN_LENGTH} characters verifies; one just over is refused`, async () => {
    let under = "";
    let over = "";
    const unpadded = await forge({ claims: { pad: "" } });
    for (let pad = Math.floor(((MAX_TOKEN_LENGTH - unpadded.length) * 3) / 4) - 8; !over; pad += 1) {
      const token = await forge({ claims: { pad: "x".repeat(pad) } });
      if (token.length <= MAX_TOKEN_LENGTH) under = token;
      else over = token;
    }
    expect(under.length).toBeGreaterThan(MAX_TOKEN_LENGTH - 4);
    expect((await verifyAccess(under)).ok).toBe(true);
    expect(await verifyAccess(over)).toEqual({ ok: false, reason: "malformed" });
  });

  it.each([
    ["not JSON", "not json"],
    ["a JSON array", '["ES256"]'],
    ["JSON null", "null"],
    ["a header without kid", '{"alg":"ES256","typ":"at+jwt"}'],
    ["a numeric kid", '{"alg":"ES256","kid":1,"typ":"at+jwt"}'],
  ])("a header that is %s", async (_name, headerJson) => {
    const [, payload, signature] = segmentsOf(await forge());
    const token = `${base64url.encode(headerJson)}.${payload}.${signature}`;
    expect(await verifyAccess(token)).toEqual({ ok: false, reason: "malformed" });
  });

  it("a header that is not valid UTF-8", async () => {
    const [, payload, signature] = segmentsOf(await forge());
    const header = base64url.encode(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]));
    expect(await verifyAccess(`${header}.${payload}.${signature}`)).toEqual({ ok: false, reason: "malformed" });
  });
});

describe("forged headers", () => {
  it("an unsecured token (alg none) is refused", async () => {
    const unsecured = new UnsecuredJWT(validClaims()).encode();
    expect(await verifyAccess(unsecured)).toEqual({ ok: false, reason: "malformed" });
    // Even dressed up with our kid, typ and a dummy signature.
    const header = base64url.encode(JSON.stringify({ alg: "none", kid: es256.kid, typ: "at+jwt" }));
    const dressed = `${header}.${segmentsOf(unsecured)[1]}.AAAA`;
    expect(await verifyAccess(dressed)).toEqual({ ok: false, reason: "algorithm_mismatch" });
  });

  it.each([
    ["the ES256 key's JWK", () => es256, async (jwk: JWK) => encoder.encode(JSON.stringify(publicOf(jwk)))],
    ["the ES256 key's SPKI PEM", () => es256, async (jwk: JWK) => encoder.encode(await spkiOf(jwk))],
    ["the EdDSA key's JWK", () => eddsa, async (jwk: JWK) => encoder.encode(JSON.stringify(publicOf(jwk)))],
    ["the EdDSA key's raw x", () => eddsa, async (jwk: JWK) => base64url.decode(jwk.x ?? "")],
  ])("HS256 signed with %s as the secret is refused (algorithm confusion)", async (_name, pick, secretOf) => {
    const jwk = pick();
    const secret = await secretOf(jwk);
    const token = await forge({ header: { alg: "HS256", kid: jwk.kid }, key: secret });
    expect(await verifyAccess(token)).toEqual({ ok: false, reason: "algorithm_mismatch" });
  });

  it("a key that is not ours is refused, under its own kid or under ours", async () => {
    const { privateKey } = await generateKeyPair("ES256");
    const ownKid = await forge({ header: { kid: "attacker-key" }, key: privateKey });
    expect(await verifyAccess(ownKid)).toEqual({ ok: false, reason: "unknown_kid" });
    const ourKid = await forge({ key: privateKey });
    expect(await verifyAccess(ourKid)).toEqual({ ok: false, reason: "bad_signature" });
  });

  it.each<[string, Record<string, unknown>]>([
    ["jwk", { jwk: { kty: "EC", crv: "P-256", x: "AA", y: "AA" } }],
    ["jku", { jku: "https://attacker.example/jwks.json" }],
    ["x5u", { x5u: "https://attacker.example/cert.pem" }],
    ["x5c", { x5c: ["MIIBszCCAVmgAwIBAgIUQ"] }],
    ["x5t", { x5t: "dGh1bWJwcmludA" }],
  ])("a token signed by our own key but carrying a %s header is refused", async (_name, extra) => {
    const token = await forge({ header: extra });
    expect(await verifyAccess(token)).toEqual({ ok: false, reason: "forbidden_header" });
  });

  it("a token signed by our own key but demanding a crit extension is refused", async () => {
    const token = await forge({
      header: { crit: ["urn:example:ext"], "urn:example:ext": true },
      crit: { "urn:example:ext": true },
    });
    expect(await verifyAccess(token)).toEqual({ ok: false, reason: "forbidden_header" });
  });

  it("a kid pinned to one algorithm refuses a token signed with the other key's algorithm", async () => {
    const eddsaUnderEs256Kid = await forge({ header: { alg: "EdDSA", kid: es256.kid }, key: eddsaPrivate });
    const es256UnderEddsaKid = await forge({ header: { alg: "ES256", kid: eddsa.kid } });
    expect(await verifyAccess(eddsaUnderEs256Kid)).toEqual({ ok: false, reason: "algorithm_mismatch" });
    expect(await verifyAccess(es256UnderEddsaKid)).toEqual({ ok: false, reason: "algorithm_mismatch" });
  });

  it.each([
    ["typ JWT", { typ: "JWT" }, []],
    ["typ of a refresh token", { typ: "rt+jwt" }, []],
    ["no typ", {}, ["typ"]],
  ])("a token with %s is not an access token", async (_name, header, omit) => {
    const token = await forge({ header, omit });
    expect(await verifyAccess(token)).toEqual({ ok: false, reason: "wrong_type" });
  });
});

describe("signatures and claims", () => {
  it("a tampered payload breaks the signature", async () => {
    const [header, , signature] = segmentsOf(await forge());
    const promoted = base64url.encode(JSON.stringify({ ...validClaims(), user_type: "adminuser" }));
    expect(await verifyAccess(`${header}.${promoted}.${signature}`)).toEqual({ ok: false, reason: "bad_signature" });
  });

  it("a tampered signature is refused", async () => {
    const [header, payload, signature] = segmentsOf(await forge());
    const flipped = base64url.decode(signature);
    flipped[0] = (flipped[0] ?? 0) ^ 0x01;
    const token = `${header}.${payload}.${base64url.encode(flipped)}`;
    expect(await verifyAccess(token)).toEqual({ ok: false, reason: "bad_signature" });
  });

  it(`expiry allows ${CLOCK_TOLERANCE_SECONDS} s of clock skew and no more`, async () => {
    const justExpired = await forge({ claims: { exp: NOW_S - CLOCK_TOLERANCE_SECONDS + 1 } });
    const longExpired = await forge({ claims: { exp: NOW_S - CLOCK_TOLERANCE_SECONDS - 1 } });
    expect((await verifyAccess(justExpired)).ok).toBe(true);
    expect(await verifyAccess(longExpired)).toEqual({ ok: false, reason: "expired" });
  });

  it("an issued access token is refused once its 30 days (plus leeway) are over", async () => {
    const token = await issueSessionToken(deps, "access", session());
    const later = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);
    const lifetime = config.accessTokenTtlSeconds + CLOCK_TOLERANCE_SECONDS;
    expect((await verifyAccess(token, later(lifetime - 1))).ok).toBe(true);
    expect(await verifyAccess(token, later(lifetime + 1))).toEqual({ ok: false, reason: "expired" });
  });

  it.each(["iat", "nbf"])(
    `a token whose %s is more than ${CLOCK_TOLERANCE_SECONDS} s ahead is not yet valid`,
    async (claim) => {
      const slightlyAhead = await forge({ claims: { [claim]: NOW_S + CLOCK_TOLERANCE_SECONDS - 1 } });
      const farAhead = await forge({ claims: { [claim]: NOW_S + CLOCK_TOLERANCE_SECONDS + 1 } });
      expect((await verifyAccess(slightlyAhead)).ok).toBe(true);
      expect(await verifyAccess(farAhead)).toEqual({ ok: false, reason: "not_yet_valid" });
    },
  );

  it.each([
    ["another issuer", { iss: "https://attacker.example" }],
    ["another audience", { aud: "someone-else" }],
    ["an audience list without ours", { aud: ["someone-else", "another"] }],
    ["an unknown user type", { user_type: "root" }],
    ["a numeric public_id", { public_id: 42 }],
    ["a non-numeric exp", { exp: "tomorrow" }],
  ])("a token for %s is refused", async (_name, claims) => {
    expect(await verifyAccess(await forge({ claims }))).toEqual({ ok: false, reason: "claim_invalid" });
  });

  it.each(["iss", "aud", "exp", "iat", "jti", "public_id", "session_id", "user_type"])(
    "a token without %s is refused",
    async (claim) => {
      expect(await verifyAccess(await forge({ omit: [claim] }))).toEqual({ ok: false, reason: "claim_invalid" });
    },
  );
});

describe("key rotation and the published key set", () => {
  it("a token signed by the second (EdDSA) key of SIGNING_KEYS verifies", async () => {
    const token = await forge({ header: { alg: "EdDSA", kid: eddsa.kid }, key: eddsaPrivate });
    expect(await verifyAccess(token)).toMatchObject({ ok: true, claims: { user_type: "user" } });
  });

  it("the JWKS lists every key's public half and no private `d`", () => {
    const published = keys.publicJwks.keys;
    expect(published.map((k) => k.kid)).toEqual(secretKeys.map((k) => k.kid));
    for (const jwk of published) {
      expect(jwk).not.toHaveProperty("d");
      expect(jwk).toMatchObject({ use: "sig" });
      expect(["ES256", "EdDSA"]).toContain(jwk.alg);
    }
    expect(JSON.stringify(keys.publicJwks)).not.toContain(es256.d);
    expect(JSON.stringify(keys.publicJwks)).not.toContain(eddsa.d);
  });

  it("a relying party verifies our tokens with the published JWKS alone", async () => {
    const token = await issueSessionToken(deps, "access", session());
    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(keys.publicJwks), {
      issuer: config.issuer,
      audience: config.audience,
      typ: "at+jwt",
      currentDate: NOW,
    });
    expect(protectedHeader.kid).toBe(es256.kid);
    expect(payload.session_id).toBe("session-1");
  });
});

function publicKeyOf(kid: string): CryptoKey {
  const verifier = keys.verifiers.get(kid);
  if (!verifier) throw new Error(`no verifier for ${kid}`);
  return verifier.key;
}

function publicOf(jwk: JWK): JWK {
  const { d: _private, ...rest } = jwk;
  return rest;
}

async function spkiOf(jwk: JWK): Promise<string> {
  return exportSPKI((await importJWK({ ...publicOf(jwk), ext: true }, "ES256")) as CryptoKey);
}
