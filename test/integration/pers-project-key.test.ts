import { describe, expect, it } from "vitest";
import { tenantFootprint } from "../support/pers";
import { tenantTrustingProvider } from "../support/pers-session";
import { createTenant, revokeProjectKey } from "../support/tenants";
import { sendJson } from "../support/worker";

async function setup() {
  const { idp, tenant } = await tenantTrustingProvider({ alg: "ES256" });
  return { idp, tenant, body: { authToken: await idp.token("pat") } };
}

async function refused(headers: Record<string, string>, body: unknown) {
  const res = await sendJson("/v2/auth/token", "POST", body, headers);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe("PERS project key", () => {
  it("is required", async () => {
    const { tenant, body } = await setup();
    expect(await refused({}, body)).toEqual({
      status: 401,
      body: { error: "missing_project_key", message: "A project key is required (X-API-Key or x-project-key)." },
    });
    expect(await refused({ "X-API-Key": "  " }, body)).toMatchObject({ status: 401 });
    expect(await tenantFootprint(tenant)).toEqual({ tenantUsers: 0, identities: 0, refreshTokens: 0 });
  });

  it("unknown, revoked, secret and oversized keys are refused with 401", async () => {
    const { tenant, body } = await setup();
    const revoked = await createTenant();
    await revokeProjectKey(revoked.projectKey);
    const cases: Array<[string, string | undefined]> = [
      ["pk_test_unknown", "invalid_format"],
      [revoked.projectKey, "revoked"],
      [tenant.secretKey, "secret_key"],
      [`pk_test_${"a".repeat(300)}`, undefined],
    ];
    for (const [key, reason] of cases) {
      expect(await refused({ "X-API-Key": key }, body), key.slice(0, 20)).toEqual({
        status: 401,
        body: { error: "invalid_project_key", message: "The project key is invalid.", ...(reason ? { reason } : {}) },
      });
      expect((await refused({ "x-project-key": key }, body)).status).toBe(401);
    }
    expect(await tenantFootprint(tenant)).toEqual({ tenantUsers: 0, identities: 0, refreshTokens: 0 });
  });

  it("both headers must agree when both are sent", async () => {
    const { tenant, body } = await setup();
    const other = await createTenant();
    const disagree = await refused({ "X-API-Key": tenant.projectKey, "x-project-key": other.projectKey }, body);
    expect(disagree).toMatchObject({ status: 401, body: { error: "invalid_project_key" } });
    expect(await tenantFootprint(tenant)).toEqual({ tenantUsers: 0, identities: 0, refreshTokens: 0 });
    const agree = await sendJson("/v2/auth/token", "POST", body, {
      "X-API-Key": tenant.projectKey,
      "x-project-key": tenant.projectKey,
    });
    expect(agree.status).toBe(200);
  });

  it("is checked before the body, and every route needs it", async () => {
    for (const path of ["/v2/auth/token", "/v2/auth/refresh", "/v2/auth/verify"]) {
      const res = await sendJson(path, "POST", "{not json");
      expect(res.status, path).toBe(401);
      expect(res.headers.get("content-type")).toBe("application/json");
    }
  });

  it("errors on /v2 are PERS JSON, also for bad bodies", async () => {
    const { tenant } = await setup();
    const res = await sendJson("/v2/auth/token", "POST", "{not json", { "X-API-Key": tenant.projectKey });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: "malformed_json", message: "The request body is not valid JSON." });
    const wrongType = await sendJson("/v2/auth/token", "POST", "{}", {
      "X-API-Key": tenant.projectKey,
      "Content-Type": "text/plain",
    });
    expect(wrongType.status).toBe(415);
  });
});
