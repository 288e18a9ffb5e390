import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { listAuditEvents } from "../../src/storage/audit-events";
import { openDatabase } from "../../src/storage/db";
import { FakeIdentityProvider } from "../support/identity-provider";
import { claimsOf, configureTenant, exchange, familyRows, refresh, type TokenPair, verify } from "../support/pers";
import { createTenant, type TestTenant } from "../support/tenants";
import { type SignedIn, signedInUser } from "../support/tokens";
import { send, sendJson } from "../support/worker";

/**
 * SPEC §2.7: removing a provider or an admin entry (or switching off what a session was opened
 * as) ends every session that depended on it within the logout bound, not at its next refresh.
 */

let admin: SignedIn;
beforeAll(async () => {
  admin = await signedInUser("adminuser");
});

const tenantPath = (tenant: TestTenant) => `/v1/admin/tenants/${tenant.tenantPublicId}`;
const patchSettings = (tenant: TestTenant, changes: Record<string, unknown>) =>
  sendJson(`${tenantPath(tenant)}/settings`, "PATCH", changes, admin.headers);

async function sessionOf(tenant: TestTenant, idp: FakeIdentityProvider, subject: string, authType?: string) {
  const res = await exchange(tenant, { authToken: await idp.token(subject), ...(authType ? { authType } : {}) });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as TokenPair;
}

/** Whether the session still works everywhere a client would use it: verify and the gateway. */
async function works(tenant: TestTenant, pair: TokenPair): Promise<boolean> {
  const verdict = (await (await verify(tenant, pair.accessToken)).json()) as { valid: boolean };
  const forward = await send("/v1/loyalty/points", { headers: { Authorization: `Bearer ${pair.accessToken}` } });
  expect(forward.status === 200, "verify and the gateway agree").toBe(verdict.valid);
  return verdict.valid;
}

async function expectEnded(tenant: TestTenant, pair: TokenPair) {
  expect(await works(tenant, pair)).toBe(false);
  expect((await refresh(tenant, pair.refreshToken)).status).toBe(401);
  const rows = await familyRows(claimsOf(pair.refreshToken).family_id);
  expect(rows.every((row) => row.status === "revoked")).toBe(true);
}

async function trustedProvider(tenant: TestTenant) {
  const idp = await FakeIdentityProvider.create({ alg: "ES256" });
  const row = await idp.trustedBy(tenant);
  return { idp, providerId: row.publicId };
}

describe("a change to what authorizes a tenant's sessions", () => {
  it("removing an identity provider ends the sessions it vouched for at once, and only those", async () => {
    const tenant = await createTenant();
    const { idp, providerId } = await trustedProvider(tenant);
    const other = await trustedProvider(tenant);
    const doomed = await sessionOf(tenant, idp, "ann");
    const kept = await sessionOf(tenant, other.idp, "bob");

    const res = await send(`${tenantPath(tenant)}/identity-providers/${providerId}`, {
      method: "DELETE",
      headers: admin.headers,
    });
    expect(res.status).toBe(204);
    await expectEnded(tenant, doomed);
    expect(await works(tenant, kept)).toBe(true);

    // The same issuer trusted again does not bring the ended sessions back.
    await idp.trustedBy(tenant);
    expect(await works(tenant, doomed)).toBe(false);
    expect((await refresh(tenant, doomed.refreshToken)).status).toBe(401);

    const { items } = await listAuditEvents(
      openDatabase(env.DB),
      { action: "identity_provider.delete", tenant: tenant.tenantPublicId },
      { limit: 1 },
    );
    expect(items[0]?.details).toMatchObject({ families_revoked: 1 });
  });

  it("disabling a provider ends its sessions too", async () => {
    const tenant = await createTenant();
    const { idp, providerId } = await trustedProvider(tenant);
    const pair = await sessionOf(tenant, idp, "cat");
    const path = `${tenantPath(tenant)}/identity-providers/${providerId}`;
    const res = await sendJson(
      path,
      "PUT",
      {
        issuer: idp.issuer,
        audience: idp.audience,
        jwksUrl: idp.jwksUrl,
        allowedAlgorithms: ["ES256"],
        enabled: false,
      },
      admin.headers,
    );
    expect(res.status, await res.clone().text()).toBe(200);
    await expectEnded(tenant, pair);
  });

  it("removing an admin entry ends that admin's tenant sessions; their user sessions go on", async () => {
    const tenant = await createTenant();
    const { idp } = await trustedProvider(tenant);
    await configureTenant(tenant, { adminIdentities: [{ issuer: idp.issuer, subject: "dana" }] });
    const asAdmin = await sessionOf(tenant, idp, "dana", "tenant");
    const asUser = await sessionOf(tenant, idp, "dana");

    const res = await patchSettings(tenant, { adminIdentities: [] });
    expect(res.status, await res.clone().text()).toBe(200);
    await expectEnded(tenant, asAdmin);
    expect(await works(tenant, asUser)).toBe(true);
  });

  it("switching an auth type off ends the sessions opened as it", async () => {
    const tenant = await createTenant();
    const { idp } = await trustedProvider(tenant);
    await configureTenant(tenant, { enabledAuthTypes: ["business", "system"] });
    const business = await sessionOf(tenant, idp, "eve", "business");
    const system = await sessionOf(tenant, idp, "eve", "system");

    const res = await patchSettings(tenant, { enabledAuthTypes: ["system"] });
    expect(res.status).toBe(200);
    await expectEnded(tenant, business);
    expect(await works(tenant, system)).toBe(true);
  });

  it("no longer allowing anonymous users ends the anonymous sessions", async () => {
    const tenant = await createTenant();
    const { idp } = await trustedProvider(tenant);
    await configureTenant(tenant, { allowJwtForUnauthenticatedUsers: true });
    const anonymousRes = await exchange(tenant, { rawLoginData: { device: "kiosk-1" } });
    expect(anonymousRes.status).toBe(200);
    const anonymous = (await anonymousRes.json()) as TokenPair;
    const signedIn = await sessionOf(tenant, idp, "fay");
    // A family whose refresh token has expired is over already: the change neither counts nor rewrites it.
    const expired = (await (await exchange(tenant, { rawLoginData: { device: "kiosk-2" } })).json()) as TokenPair;
    await env.DB.prepare("UPDATE refresh_tokens SET expires_at = 1000 WHERE family_id = ?")
      .bind(claimsOf(expired.refreshToken).family_id)
      .run();

    const res = await patchSettings(tenant, { allowJWTForUnauthenticatedUsers: false });
    expect(res.status).toBe(200);
    await expectEnded(tenant, anonymous);
    expect(await works(tenant, signedIn)).toBe(true);
    const { items } = await listAuditEvents(
      openDatabase(env.DB),
      { action: "tenant_settings.update", tenant: tenant.tenantPublicId },
      { limit: 1 },
    );
    expect(items[0]?.details).toMatchObject({ families_revoked: 1 });
  });

  it("a settings change while the tenant is suspended ends nothing for good", async () => {
    const tenant = await createTenant();
    const { idp } = await trustedProvider(tenant);
    const pair = await sessionOf(tenant, idp, "gus");
    const business = `/v1/admin/businesses/${tenant.tenantPublicId}`;
    expect((await sendJson(business, "PATCH", { status: "suspended" }, admin.headers)).status).toBe(200);
    expect((await patchSettings(tenant, { enabledAuthTypes: [] })).status).toBe(200);
    expect((await sendJson(business, "PATCH", { status: "verified" }, admin.headers)).status).toBe(200);
    expect(await works(tenant, pair)).toBe(true);
    expect((await refresh(tenant, pair.refreshToken)).status).toBe(200);
  });
});
