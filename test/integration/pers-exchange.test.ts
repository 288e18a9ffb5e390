import { describe, expect, it } from "vitest";
import { FakeIdentityProvider } from "../support/identity-provider";
import { claimsOf, exchange, tenantFootprint, typOf } from "../support/pers";
import { createTenant } from "../support/tenants";

describe("PERS token exchange", () => {
  it("a user's identity token becomes a PERS access and refresh token of the tenant", async () => {
    const tenant = await createTenant();
    const idp = await FakeIdentityProvider.create();
    await idp.trustedBy(tenant);
    const res = await exchange(tenant, { authToken: await idp.token("alice") });
    const body = (await res.json()) as { accessToken: string; refreshToken: string };
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(Object.keys(body).sort()).toEqual(["accessToken", "refreshToken"]);
    const access = claimsOf(body.accessToken);
    expect(typOf(body.accessToken)).toBe("pers-at+jwt");
    expect(typOf(body.refreshToken)).toBe("pers-rt+jwt");
    expect(access).toMatchObject({ tenant_id: tenant.tenantPublicId, auth_type: "user", aud: "gatehouse-pers" });
    expect(access.family_id).toBe(claimsOf(body.refreshToken).family_id);
    expect(await tenantFootprint(tenant)).toEqual({ tenantUsers: 1, identities: 1, refreshTokens: 1 });
    expect(idp.fetchCount).toBe(1);
  });
});
