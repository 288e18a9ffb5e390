import { afterEach, describe, expect, it, vi } from "vitest";
import { FakeIdentityProvider } from "../support/identity-provider";
import { createTenant } from "../support/tenants";
import { sendJson } from "../support/worker";

interface RefusalLine {
  event: string;
  tenant: string;
  provider: string | null;
  issuer: string | null;
  reason: string;
}

/** Exchanges `authToken` and returns the status and every identity-token refusal logged meanwhile. */
async function exchangeAndWatchLog(projectKey: string, authToken: string) {
  const lines: string[] = [];
  vi.spyOn(console, "warn").mockImplementation((line: unknown) => {
    if (typeof line === "string") lines.push(line);
  });
  const res = await sendJson("/v2/auth/token", "POST", { authToken }, { "X-API-Key": projectKey });
  vi.restoreAllMocks();
  const refusals = lines
    .map((line) => JSON.parse(line) as RefusalLine)
    .filter((line) => line.event === "identity_token_refused");
  return { status: res.status, lines, refusals };
}

afterEach(() => vi.restoreAllMocks());

describe("a refused identity token is explained to the operator, never echoed", () => {
  it("names the provider and the precise reason for each way a token fails", async () => {
    const idp = await FakeIdentityProvider.create({ alg: "ES256" });
    const tenant = await createTenant();
    const provider = await idp.trustedBy(tenant);
    const attacker = await FakeIdentityProvider.create({ alg: "ES256" });
    const attackerKey = attacker.keys.get(attacker.firstKid)?.privateKey;
    const cases: Array<[string, string, RegExp]> = [
      ["expired", await idp.token("u1", {}, { expiresIn: -3600 }), /expired/],
      ["wrong audience", await idp.token("u2", { aud: "someone-else" }), /claim|aud/],
      ["bad signature", await idp.token("u3", {}, { key: attackerKey }), /signature/],
      ["unknown kid", await idp.token("u4", {}, { kid: "kid-nobody-published" }), /unknown_kid/],
    ];
    for (const [name, token, reason] of cases) {
      const { status, lines, refusals } = await exchangeAndWatchLog(tenant.projectKey, token);
      expect(status, name).toBe(401);
      expect(refusals, name).toHaveLength(1);
      expect(refusals[0], name).toMatchObject({ tenant: tenant.tenantPublicId, provider: provider.publicId });
      expect(refusals[0]?.reason, name).toMatch(reason);
      for (const line of lines) expect(line, name).not.toContain(token.split(".")[2]);
    }
  });

  it("a token from an issuer the tenant does not trust is logged with that issuer and no provider", async () => {
    const stranger = await FakeIdentityProvider.create({ alg: "ES256" });
    const tenant = await createTenant();
    const token = await stranger.token("u5");
    const { status, refusals } = await exchangeAndWatchLog(tenant.projectKey, token);
    expect(status).toBe(401);
    expect(refusals).toEqual([
      {
        level: "warn",
        event: "identity_token_refused",
        tenant: tenant.tenantPublicId,
        provider: null,
        issuer: stranger.issuer,
        reason: "identity token: no enabled provider of the tenant has this issuer",
      },
    ]);
  });

  it("something that is not a JWT at all is logged as malformed", async () => {
    const tenant = await createTenant();
    const { status, refusals } = await exchangeAndWatchLog(tenant.projectKey, "not-a-jwt");
    expect(status).toBe(401);
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toMatchObject({ provider: null, issuer: null });
  });
});
