import { base64url, exportJWK, generateKeyPair, importJWK, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { FakeIdentityProvider } from "../support/identity-provider";
import { exchange, tenantFootprint } from "../support/pers";
import { tenantTrustingProvider } from "../support/pers-session";
import { createTenant, type TestTenant } from "../support/tenants";

const NOTHING = { tenantUsers: 0, identities: 0, refreshTokens: 0 };

async function expectRefused(tenant: TestTenant, authToken: string) {
  const res = await exchange(tenant, { authToken });
  const body = (await res.json()) as Record<string, unknown>;
  expect(res.status, JSON.stringify(body)).toBe(401);
  expect(body).toEqual({ error: "invalid_token", message: "The token is invalid or has expired." });
}

/** A compact JWS from raw parts, for tokens no honest library would produce. */
function compact(header: object, payload: object, signature = "") {
  const encode = (value: object) => base64url.encode(new TextEncoder().encode(JSON.stringify(value)));
  return `${encode(header)}.${encode(payload)}.${signature}`;
}

describe("PERS exchange refuses identity tokens that do not verify", () => {
  it("a token from another issuer (even one signed with the provider's key)", async () => {
    const { idp, tenant } = await tenantTrustingProvider();
    const now = Math.floor(Date.now() / 1000);
    const key = idp.keys.get(idp.firstKid);
    const forged = await new SignJWT({ sub: "eve" })
      .setProtectedHeader({ alg: "RS256", kid: idp.firstKid })
      .setIssuer("https://evil.example.test")
      .setAudience(idp.audience)
      .setExpirationTime(now + 300)
      .sign(key?.privateKey as CryptoKey);
    await expectRefused(tenant, forged);
    expect(await tenantFootprint(tenant)).toEqual(NOTHING);
  });

  it("a token for another audience", async () => {
    const { idp, tenant } = await tenantTrustingProvider();
    await expectRefused(tenant, await idp.token("eve", { aud: "someone-else" }));
    expect(await tenantFootprint(tenant)).toEqual(NOTHING);
  });

  it("an expired token, and one without exp", async () => {
    const { idp, tenant } = await tenantTrustingProvider();
    await expectRefused(tenant, await idp.token("eve", {}, { expiresIn: -120 }));
    await expectRefused(tenant, await idp.token("eve", { exp: undefined }));
    expect(await tenantFootprint(tenant)).toEqual(NOTHING);
  });

  it("a token expired less than the 30 s clock leeway ago still passes", async () => {
    const { idp, tenant } = await tenantTrustingProvider();
    expect((await exchange(tenant, { authToken: await idp.token("eve", {}, { expiresIn: -5 }) })).status).toBe(200);
  });

  it("an algorithm the provider does not allow", async () => {
    const idp = await FakeIdentityProvider.create({ alg: "RS256" });
    const tenant = await createTenant();
    await idp.trustedBy(tenant, { allowedAlgorithms: ["ES256"] });
    await expectRefused(tenant, await idp.token("eve"));
    // PS256 over the same RSA key is a different algorithm, refused when only RS256 is allowed.
    const rsOnly = await createTenant();
    await idp.trustedBy(rsOnly, { allowedAlgorithms: ["RS256"] });
    const rsaAsPss = await importJWK(await exportJWK(idp.keys.get(idp.firstKid)?.privateKey as CryptoKey), "PS256");
    await expectRefused(rsOnly, await idp.token("eve", {}, { alg: "PS256", key: rsaAsPss as CryptoKey }));
    expect(await tenantFootprint(tenant)).toEqual(NOTHING);
    expect(await tenantFootprint(rsOnly)).toEqual(NOTHING);
  });

  it("HS256 signed with the provider's public key as the secret (algorithm confusion)", async () => {
    const { idp, tenant } = await tenantTrustingProvider();
    const publicJwk = idp.jwks().keys[0];
    const secret = new TextEncoder().encode(JSON.stringify(publicJwk));
    const now = Math.floor(Date.now() / 1000);
    const confused = await new SignJWT({ sub: "eve" })
      .setProtectedHeader({ alg: "HS256", kid: idp.firstKid })
      .setIssuer(idp.issuer)
      .setAudience(idp.audience)
      .setExpirationTime(now + 300)
      .sign(secret);
    await expectRefused(tenant, confused);
    expect(await tenantFootprint(tenant)).toEqual(NOTHING);
  });

  it("alg none, with or without a signature segment", async () => {
    const { idp, tenant } = await tenantTrustingProvider();
    const claims = { iss: idp.issuer, aud: idp.audience, sub: "eve", exp: Math.floor(Date.now() / 1000) + 300 };
    await expectRefused(tenant, compact({ alg: "none", kid: idp.firstKid }, claims));
    await expectRefused(tenant, compact({ alg: "none", kid: idp.firstKid }, claims, "c2ln"));
    expect(await tenantFootprint(tenant)).toEqual(NOTHING);
  });

  it("a token signed by a key the attacker put in its own jwk header (or points at with jku, x5u, x5c)", async () => {
    const { idp, tenant } = await tenantTrustingProvider({ alg: "ES256" });
    const attacker = await generateKeyPair("ES256", { extractable: true });
    const attackerJwk = { ...(await exportJWK(attacker.publicKey)), kid: idp.firstKid };
    const headers = [
      { jwk: attackerJwk },
      { jku: "https://evil.example.test/jwks.json" },
      { x5u: "https://evil.example.test/cert.pem" },
      { x5c: ["MIIB"] },
    ];
    for (const header of headers) {
      const forged = await idp.token("eve", {}, { key: attacker.privateKey as CryptoKey, alg: "ES256", header });
      await expectRefused(tenant, forged);
    }
    // Even the provider's own signature is refused with such a header: it is never honoured.
    await expectRefused(tenant, await idp.token("eve", {}, { header: { jku: idp.jwksUrl } }));
    expect(await tenantFootprint(tenant)).toEqual(NOTHING);
  });

  it("a validly signed token whose subject holds a control character", async () => {
    const { idp, tenant } = await tenantTrustingProvider();
    for (const subject of ["eve\u0000admin", "eve\nadmin", "\u007f"]) {
      await expectRefused(tenant, await idp.token(subject));
    }
    expect(await tenantFootprint(tenant)).toEqual(NOTHING);
  });

  it("a token signed by an unknown key under a known kid", async () => {
    const { idp, tenant } = await tenantTrustingProvider({ alg: "ES256" });
    const attacker = await generateKeyPair("ES256");
    await expectRefused(tenant, await idp.token("eve", {}, { key: attacker.privateKey as CryptoKey, alg: "ES256" }));
    expect(await tenantFootprint(tenant)).toEqual(NOTHING);
  });

  it("tampered claims, malformed and oversized tokens", async () => {
    const { idp, tenant } = await tenantTrustingProvider();
    const good = await idp.token("eve");
    const [header, , signature] = good.split(".");
    const payload = base64url.encode(
      new TextEncoder().encode(JSON.stringify({ iss: idp.issuer, aud: idp.audience, sub: "admin", exp: 9999999999 })),
    );
    await expectRefused(tenant, `${header}.${payload}.${signature}`);
    await expectRefused(tenant, "not-a-jwt");
    await expectRefused(tenant, `${good}.extra`);
    await expectRefused(tenant, `${good.slice(0, -2)}==`);
    await expectRefused(tenant, compact({ alg: "RS256", kid: idp.firstKid }, { sub: "no-issuer" }, "c2ln"));
    const huge = await idp.token("eve", { padding: "x".repeat(8192) });
    expect((await exchange(tenant, { authToken: huge })).status).toBe(400);
    expect(await tenantFootprint(tenant)).toEqual(NOTHING);
  });
});

describe("PERS exchange: the providers' JWKS", () => {
  it("is fetched once and then served from cache", async () => {
    const { idp, tenant } = await tenantTrustingProvider();
    for (const who of ["a", "b", "c"])
      expect((await exchange(tenant, { authToken: await idp.token(who) })).status).toBe(200);
    expect(idp.fetchCount).toBe(1);
  });

  it("an unknown kid refetches once, so a key the provider rotated in is accepted", async () => {
    const { idp, tenant } = await tenantTrustingProvider();
    expect((await exchange(tenant, { authToken: await idp.token("a") })).status).toBe(200);
    const rotated = await idp.addKey("RS256");
    idp.publish(rotated.kid);
    const res = await exchange(tenant, { authToken: await idp.token("b", {}, { kid: rotated.kid }) });
    expect(res.status).toBe(200);
    expect(idp.fetchCount).toBe(2);
  });

  it("unknown kids refetch at most once per cooldown", async () => {
    const { idp, tenant } = await tenantTrustingProvider();
    expect((await exchange(tenant, { authToken: await idp.token("a") })).status).toBe(200);
    const unpublished = await idp.addKey("RS256");
    await expectRefused(tenant, await idp.token("b", {}, { kid: unpublished.kid }));
    expect(idp.fetchCount).toBe(2);
    // Published now, but the cooldown has not passed: no new fetch, still refused.
    idp.publish(unpublished.kid);
    for (const who of ["c", "d", "e"]) await expectRefused(tenant, await idp.token(who, {}, { kid: unpublished.kid }));
    await expectRefused(tenant, await idp.token("f", {}, { kid: "made-up-kid" }));
    expect(idp.fetchCount).toBe(2);
    // Known keys keep working throughout.
    expect((await exchange(tenant, { authToken: await idp.token("g") })).status).toBe(200);
  });

  it("while the provider is down, the last good set keeps verifying", async () => {
    const { idp, tenant } = await tenantTrustingProvider();
    expect((await exchange(tenant, { authToken: await idp.token("a") })).status).toBe(200);
    idp.down = true;
    await expectRefused(tenant, await idp.token("b", {}, { kid: "rotated-while-down" }));
    expect(idp.fetchCount).toBe(2);
    expect((await exchange(tenant, { authToken: await idp.token("c") })).status).toBe(200);
  });

  it("a provider that is down before its first fetch fails closed, as an outage (503)", async () => {
    const idp = await FakeIdentityProvider.create();
    idp.down = true;
    const tenant = await createTenant();
    await idp.trustedBy(tenant);
    const res = await exchange(tenant, { authToken: await idp.token("a") });
    expect(res.status).toBe(503);
    expect(res.headers.get("Retry-After")).toBe("5");
    expect(await res.json()).toEqual({
      error: "service_unavailable",
      message: "A service Gatehouse depends on is unavailable. Try again shortly.",
    });
    expect(await tenantFootprint(tenant)).toEqual(NOTHING);
  });

  it("an inline JWKS verifies without any fetch", async () => {
    const idp = await FakeIdentityProvider.create({ alg: "ES256" });
    const tenant = await createTenant();
    await idp.trustedBy(tenant, { jwksUrl: null, jwksInline: { keys: idp.jwks().keys as never } });
    expect((await exchange(tenant, { authToken: await idp.token("a") })).status).toBe(200);
    await expectRefused(tenant, await idp.token("b", {}, { kid: "not-inline" }));
    expect(idp.fetchCount).toBe(0);
  });
});
