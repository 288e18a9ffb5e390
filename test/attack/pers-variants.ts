import { decodeJwt, exportJWK, generateKeyPair } from "jose";
import { expect } from "vitest";
import { generateApiKey } from "../../src/crypto/api-key-format";
import { MAX_EXTERNAL_TOKEN_LENGTH } from "../../src/crypto/external-jwt";
import { PERS_TOKEN_TYPES } from "../../src/services/token-exchange/pers-tokens";
import type { Fixtures } from "./fixtures";
import { compactJws, tamperSignature } from "./forge";
import { OVERSIZED_HEADER, SPOOFED_IDENTITY, type Variant } from "./variants";

/**
 * Bad PERS requests (`/v2/auth/*`): the project key that names the tenant, the identity tokens
 * an exchange is asked to trust, and the PERS tokens a refresh or verify is handed.
 */

export async function projectKeyVariants(f: Fixtures): Promise<Variant[]> {
  const { tenant, otherTenant, revokedProjectKey } = f.pers;
  const unknown = await generateApiKey("publishable", "test");
  return [
    { name: "no project key", headers: {}, status: 401 },
    { name: "a blank project key", headers: { "X-API-Key": "   " }, status: 401 },
    { name: "a malformed project key", headers: { "X-API-Key": "pk_test_unknown" }, status: 401 },
    { name: "a well-formed project key nobody issued", headers: { "x-project-key": unknown.plaintext }, status: 401 },
    { name: "a revoked project key", headers: { "X-API-Key": revokedProjectKey }, status: 401 },
    { name: "the tenant's secret key as project key", headers: { "x-project-key": tenant.secretKey }, status: 401 },
    {
      name: "two headers naming two tenants",
      headers: { "X-API-Key": tenant.projectKey, "x-project-key": otherTenant.projectKey },
      status: 401,
    },
    {
      name: "a good key next to its revoked sibling",
      headers: { "X-API-Key": tenant.projectKey, "x-project-key": revokedProjectKey },
      status: 401,
    },
    {
      name: "a project key longer than any we issue",
      headers: { "X-API-Key": `pk_test_${"a".repeat(300)}` },
      status: 401,
    },
    // Over the per-header bound (8 KiB), so refused before the key is even read.
    { name: "an oversized project key header", headers: { "x-project-key": OVERSIZED_HEADER }, status: 431 },
    {
      name: "the project key under the gateway's header",
      headers: { "X-Ping-Api-Key": tenant.projectKey },
      status: 401,
    },
    { name: "spoofed identity headers, no project key", headers: SPOOFED_IDENTITY, status: 401 },
  ];
}

function nested(depth: number): unknown {
  let value: unknown = "x";
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

/** `POST /v2/auth/token`: identity tokens that must not start a session, and bodies that ask too much. */
export async function identityTokenVariants(f: Fixtures): Promise<Variant[]> {
  const { idp, identityToken } = f.pers;
  const attacker = await generateKeyPair("ES256", { extractable: true });
  const attackerJwk = { ...(await exportJWK(attacker.publicKey)), kid: idp.firstKid };
  const asAttacker = { key: attacker.privateKey as CryptoKey, alg: "ES256" };
  const now = Math.floor(Date.now() / 1000);
  const claims = { iss: idp.issuer, aud: idp.audience, sub: "attack", iat: now, exp: now + 300 };
  const exchange = (authToken: unknown, extra: Record<string, unknown> = {}) => JSON.stringify({ authToken, ...extra });
  return [
    {
      name: "an identity token signed by an attacker under the provider's kid",
      body: exchange(await idp.token("attack", {}, asAttacker)),
      status: 401,
    },
    {
      name: "an identity token signed by the key in its own jwk header",
      body: exchange(await idp.token("attack", {}, { ...asAttacker, header: { jwk: attackerJwk } })),
      status: 401,
    },
    {
      name: "an identity token pointing at the attacker's jku",
      body: exchange(await idp.token("attack", {}, { header: { jku: "https://attacker.example/jwks.json" } })),
      status: 401,
    },
    {
      name: "an identity token with alg none",
      body: exchange(compactJws({ alg: "none", kid: idp.firstKid }, claims)),
      status: 401,
    },
    {
      name: "an expired identity token",
      body: exchange(await idp.token("attack", {}, { expiresIn: -3600 })),
      status: 401,
    },
    {
      name: "an identity token for another audience",
      body: exchange(await idp.token("attack", { aud: "other" })),
      status: 401,
    },
    { name: "a tampered identity token", body: exchange(tamperSignature(identityToken)), status: 401 },
    {
      name: "an identity token from a provider only another tenant trusts",
      body: exchange(f.pers.otherIdentityToken),
      status: 401,
    },
    { name: "a Ping access token as identity token", body: exchange(f.user.accessToken), status: 401 },
    { name: "a PERS access token as identity token", body: exchange(f.pers.pair.accessToken), status: 401 },
    { name: "not a JWT", body: exchange("not-a-jwt"), status: 401 },
    {
      name: "an identity token longer than any we accept",
      body: exchange("a".repeat(MAX_EXTERNAL_TOKEN_LENGTH + 1)),
      status: 400,
    },
    { name: "an authToken that is not a string", body: exchange({ $ne: "" }), status: 400 },
    { name: "neither authToken nor rawLoginData", body: "{}", status: 400 },
    { name: "an unknown authType", body: exchange(identityToken, { authType: "root" }), status: 400 },
    {
      name: "an authType the tenant did not enable",
      body: exchange(identityToken, { authType: "business" }),
      status: 403,
    },
    {
      name: "an admin session for an identity that is no admin",
      body: exchange(identityToken, { authType: "tenant" }),
      status: 403,
    },
    {
      name: "rawLoginData where the tenant refuses anonymous users",
      body: JSON.stringify({ rawLoginData: { device: "attack" } }),
      status: 403,
    },
    { name: "rawLoginData nested too deeply", body: JSON.stringify({ rawLoginData: nested(6) }), status: 400 },
    { name: "rawLoginData too large", body: JSON.stringify({ rawLoginData: { pad: "x".repeat(3000) } }), status: 400 },
  ];
}

/** A PERS refresh token signed by nobody, with the claims of a real one. */
function unsignedPersToken(realToken: string, typ: string): string {
  return compactJws({ alg: "none", typ }, decodeJwt(realToken));
}

/** `POST /v2/auth/refresh`: everything that is not the tenant's live refresh token. */
export function persRefreshVariants(f: Fixtures): Variant[] {
  const { pair, otherPair, expired, revokedFamily, identityToken } = f.pers;
  const refresh = (refreshToken: unknown) => JSON.stringify({ refreshToken });
  return [
    { name: "a tampered refresh token", body: refresh(tamperSignature(pair.refreshToken)), status: 401 },
    {
      name: "an unsigned refresh token (alg none)",
      body: refresh(unsignedPersToken(pair.refreshToken, PERS_TOKEN_TYPES.refresh)),
      status: 401,
    },
    { name: "a PERS access token as refresh token", body: refresh(pair.accessToken), status: 401 },
    { name: "a Ping refresh token as PERS refresh token", body: refresh(f.user.refreshToken), status: 401 },
    { name: "a Ping access token as PERS refresh token", body: refresh(f.user.accessToken), status: 401 },
    { name: "an identity token as refresh token", body: refresh(identityToken), status: 401 },
    { name: "a PERS refresh token of another tenant", body: refresh(otherPair.refreshToken), status: 401 },
    { name: "an expired PERS refresh token", body: refresh(expired.refreshToken), status: 401 },
    { name: "a refresh token of a revoked family", body: refresh(revokedFamily.refreshToken), status: 401 },
    { name: "a token longer than any we issue", body: refresh("a".repeat(5000)), status: 400 },
    { name: "a token that is not a string", body: refresh({ $gt: "" }), status: 400 },
    { name: "no refresh token", body: "{}", status: 400 },
  ];
}

/** `POST /v2/auth/verify` answers 200 with a verdict by contract: the verdict must be "invalid". */
export function persVerifyVariants(f: Fixtures): Variant[] {
  const { pair, otherPair, expired, revokedFamily, rotatedRefreshToken, identityToken } = f.pers;
  const verify = (authToken: unknown) => JSON.stringify({ authToken });
  const invalid = (name: string, authToken: string, reason: string): Variant => ({
    name,
    body: verify(authToken),
    status: 200,
    json: { valid: false, payload: null, errorMessage: expect.any(String), reason },
  });
  return [
    invalid("a tampered access token", tamperSignature(pair.accessToken), "bad_signature"),
    invalid("a tampered refresh token", tamperSignature(pair.refreshToken), "bad_signature"),
    invalid(
      "an unsigned access token (alg none)",
      unsignedPersToken(pair.accessToken, PERS_TOKEN_TYPES.access),
      "malformed",
    ),
    invalid("a Ping access token", f.user.accessToken, "unsupported_token"),
    invalid("a Ping refresh token", f.user.refreshToken, "unsupported_token"),
    invalid("an identity token", identityToken, "unsupported_token"),
    invalid("not a JWT", "not.a.jwt!", "malformed"),
    invalid("an access token of another tenant", otherPair.accessToken, "wrong_tenant"),
    invalid("a refresh token of another tenant", otherPair.refreshToken, "wrong_tenant"),
    invalid("an expired access token", expired.accessToken, "expired"),
    invalid("an expired refresh token", expired.refreshToken, "expired"),
    invalid("an access token of a revoked family", revokedFamily.accessToken, "revoked"),
    invalid("a refresh token of a revoked family", revokedFamily.refreshToken, "revoked"),
    invalid("a rotated refresh token", rotatedRefreshToken, "rotated"),
    // Whatever authToken holds gets a verdict: PERS clients read `valid`, never a 400.
    invalid("a token longer than any we accept", "a".repeat(MAX_EXTERNAL_TOKEN_LENGTH + 1), "malformed"),
    { ...invalid("a token that is not a string", "", "malformed"), body: verify(42) },
  ];
}
