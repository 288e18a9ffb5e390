import { exportJWK, generateKeyPair } from "jose";
import { describe, expect, it } from "vitest";
import { inspectIdentityToken, verifyIdentityToken } from "../../src/services/token-exchange/identity-tokens";
import { testDeps } from "../support/deps";
import { FakeIdentityProvider } from "../support/identity-provider";
import { createTenant } from "../support/tenants";

/** Each refusal is the same 401 on the wire; the logged detail says which check caught it. */
async function detailOf(idp: FakeIdentityProvider, token: string, allowed: Array<"RS256" | "ES256"> = ["ES256"]) {
  const provider = await idp.trustedBy(await createTenant(), { allowedAlgorithms: allowed });
  try {
    await verifyIdentityToken((await testDeps()).at(Date.now()), provider, token, inspectIdentityToken(token));
    return "verified";
  } catch (err) {
    return (err as { options: { detail: string } }).options.detail;
  }
}

describe("identity token verification reasons", () => {
  it("names the check that refused each forged token", async () => {
    const idp = await FakeIdentityProvider.create({ alg: "ES256" });
    const attacker = await generateKeyPair("ES256", { extractable: true });
    const attackerJwk = await exportJWK(attacker.publicKey);
    const cases: Array<[string, string, Array<"RS256" | "ES256">?]> = [
      ["verified", await idp.token("ok")],
      [
        "identity token: forbidden_header",
        await idp.token("x", {}, { key: attacker.privateKey as CryptoKey, header: { jwk: attackerJwk } }),
      ],
      ["identity token: forbidden_header", await idp.token("x", {}, { header: { jku: "https://evil.test/jwks" } })],
      ["identity token: algorithm ES256 not allowed", await idp.token("x"), ["RS256"]],
      ["identity token: unknown_kid", await idp.token("x", {}, { kid: "ghost" })],
      ["identity token: bad_signature", await idp.token("x", {}, { key: attacker.privateKey as CryptoKey })],
      ["identity token: claim_invalid", await idp.token("x", { aud: "other" })],
      ["identity token: claim_invalid", await idp.token("x", { iss: "https://other.test" })],
      ["identity token: expired", await idp.token("x", {}, { expiresIn: -60 })],
      ["identity token: not_yet_valid", await idp.token("x", { iat: Math.floor(Date.now() / 1000) + 3600 })],
      ["identity token: no usable subject claim", await idp.token("x", { sub: "" })],
    ];
    for (const [expected, token, allowed] of cases) {
      expect(await detailOf(idp, token, allowed)).toBe(expected);
    }
  });

  it("refuses tokens without a kid or an issuer before choosing a provider", () => {
    const encode = (value: object) =>
      btoa(JSON.stringify(value)).replaceAll("=", "").replaceAll("+", "-").replaceAll("/", "_");
    const noKid = `${encode({ alg: "ES256" })}.${encode({ iss: "https://a.test" })}.c2ln`;
    const noIss = `${encode({ alg: "ES256", kid: "k" })}.${encode({ sub: "x" })}.c2ln`;
    for (const token of [noKid, noIss]) {
      expect(() => inspectIdentityToken(token)).toThrowError(expect.objectContaining({ code: "invalid_token" }));
    }
  });
});
