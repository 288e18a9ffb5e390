import { describe, expect, it } from "vitest";
import { issuePersAccessToken, issuePersRefreshToken } from "../../src/services/token-exchange/pers-tokens";
import { createUser } from "../support/accounts";
import { testDeps } from "../support/deps";
import { claimsOf, refresh, type TokenPair, verify } from "../support/pers";
import { startedSession } from "../support/pers-session";
import { createTenant, type TestTenant } from "../support/tenants";
import { sendJson } from "../support/worker";

interface Verdict {
  valid: boolean;
  payload: Record<string, unknown> | null;
  errorMessage: string | null;
  tokenType?: string;
  reason?: string;
}

async function verdictOf(tenant: TestTenant, token: string): Promise<Verdict> {
  const res = await verify(tenant, token);
  expect(res.status).toBe(200);
  return (await res.json()) as Verdict;
}

function expectInvalid(verdict: Verdict, reason: string) {
  expect(verdict).toEqual({ valid: false, payload: null, errorMessage: expect.any(String), reason });
}

describe("PERS verify", () => {
  it("a fresh access token is valid, with its payload", async () => {
    const { tenant, pair } = await startedSession();
    const verdict = await verdictOf(tenant, pair.accessToken);
    expect(verdict).toMatchObject({ valid: true, errorMessage: "", tokenType: "access" });
    expect(verdict.payload).toEqual(claimsOf(pair.accessToken));
    expect(verdict.payload).toMatchObject({ tenant_id: tenant.tenantPublicId, auth_type: "user" });
  });

  it("a refresh token is valid and reported as such, until it is rotated", async () => {
    const { tenant, pair } = await startedSession();
    expect(await verdictOf(tenant, pair.refreshToken)).toMatchObject({ valid: true, tokenType: "refresh" });
    const next = (await (await refresh(tenant, pair.refreshToken)).json()) as TokenPair;
    expectInvalid(await verdictOf(tenant, pair.refreshToken), "rotated");
    expect(await verdictOf(tenant, next.refreshToken)).toMatchObject({ valid: true, tokenType: "refresh" });
  });

  it("a tampered token has a bad signature", async () => {
    const { tenant, pair } = await startedSession();
    const [header, , signature] = pair.accessToken.split(".");
    const claims = { ...claimsOf(pair.accessToken), auth_type: "tenant" };
    const payload = btoa(JSON.stringify(claims)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
    expectInvalid(await verdictOf(tenant, `${header}.${payload}.${signature}`), "bad_signature");
  });

  it("an expired token is expired", async () => {
    const tenant = await createTenant();
    const deps = (await testDeps()).at(Date.now() - 3_600_000);
    const session = {
      tenantPublicId: tenant.tenantPublicId,
      tenantUserPublicId: crypto.randomUUID(),
      authType: "user" as const,
      familyId: "family-that-expired",
      anonymous: false,
      mode: "live" as const,
      authTime: Math.floor(Date.now() / 1000),
    };
    const verdict = await verdictOf(tenant, await issuePersAccessToken(deps, session));
    expectInvalid(verdict, "expired");
    expect(verdict.errorMessage).toBe("Token expired");
    const refreshToken = await issuePersRefreshToken(deps, session, "rt", new Date(Date.now() - 60_000));
    expectInvalid(await verdictOf(tenant, refreshToken), "expired");
  });

  it("a token of a revoked family is revoked", async () => {
    const { tenant, pair } = await startedSession();
    const next = (await (await refresh(tenant, pair.refreshToken)).json()) as TokenPair;
    await refresh(tenant, next.refreshToken);
    expect((await refresh(tenant, pair.refreshToken)).status).toBe(401); // replay: revokes the family
    expectInvalid(await verdictOf(tenant, pair.accessToken), "revoked");
    expectInvalid(await verdictOf(tenant, next.accessToken), "revoked");
    expect((await verdictOf(tenant, next.refreshToken)).reason).toBe("revoked");
  });

  it("a family unknown to KV is revoked once KV has had time to propagate (fail closed)", async () => {
    const tenant = await createTenant();
    const session = {
      tenantPublicId: tenant.tenantPublicId,
      tenantUserPublicId: crypto.randomUUID(),
      authType: "user" as const,
      familyId: `never-stored-${crypto.randomUUID()}`,
      anonymous: false,
      mode: "live" as const,
      authTime: Math.floor(Date.now() / 1000),
    };
    const clock = await testDeps();
    const old = await issuePersAccessToken(clock.at(Date.now() - 120_000), session);
    expectInvalid(await verdictOf(tenant, old), "revoked");
    // Just issued elsewhere, not yet visible here: given KV's propagation time.
    const fresh = await issuePersAccessToken(clock.at(Date.now()), session);
    expect((await verdictOf(tenant, fresh)).valid).toBe(true);
  });

  it("a token of tenant A is wrong_tenant at tenant B", async () => {
    const { pair } = await startedSession();
    const other = await createTenant();
    expectInvalid(await verdictOf(other, pair.accessToken), "wrong_tenant");
  });

  it("tokens that are not PERS tokens are unsupported or malformed", async () => {
    const { tenant, idp } = await startedSession();
    const user = await createUser();
    const login = await sendJson(
      "/v1/auth/login",
      "POST",
      { email: user.email, password: user.password },
      { "User-Type": "user" },
    );
    const pingToken = ((await login.json()) as { accessToken: string }).accessToken;
    expectInvalid(await verdictOf(tenant, pingToken), "unsupported_token");
    expectInvalid(await verdictOf(tenant, await idp.token("someone")), "unsupported_token");
    expectInvalid(await verdictOf(tenant, "not.a.jwt!"), "malformed");
    expectInvalid(await verdictOf(tenant, "eyJhbGciOiJub25lIn0.e30."), "malformed");
  });

  it("a request without a valid project key is a 401, not a verdict", async () => {
    const { pair } = await startedSession();
    const res = await sendJson("/v2/auth/verify", "POST", { authToken: pair.accessToken });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: "missing_project_key" });
  });

  it("a body that is not JSON, or names no authToken at all, is a 400", async () => {
    const tenant = await createTenant();
    for (const body of [{}, "not json"]) {
      const res = await sendJson("/v2/auth/verify", "POST", body, { "X-API-Key": tenant.projectKey });
      expect(res.status).toBe(400);
    }
  });
});
