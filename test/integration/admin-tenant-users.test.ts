import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { auditRowsFor } from "../support/api-keys";
import {
  claimsOf,
  configureTenant,
  exchange,
  familyRows,
  refresh,
  type TokenPair,
  tenantFootprint,
  verify,
} from "../support/pers";
import { tenantTrustingProvider } from "../support/pers-session";
import { createTenant, type TestTenant } from "../support/tenants";
import { signedInUser } from "../support/tokens";
import { send } from "../support/worker";

/**
 * An operator disables one end user of a PERS tenant, and enables them again, through
 * `/v1/admin/tenants/{tenantId}/users/…`; the exchange, the refresh and the gateway then refuse
 * that user, and only that user.
 */

let admin: Record<string, string>;
beforeAll(async () => {
  admin = (await signedInUser("adminuser")).headers;
});

type Tenant = TestTenant | string;
const tenantIdOf = (tenant: Tenant) => (typeof tenant === "string" ? tenant : tenant.tenantPublicId);
const userPath = (tenant: Tenant, userId: string) => `/v1/admin/tenants/${tenantIdOf(tenant)}/users/${userId}`;

const disable = (tenant: Tenant, userId: string, headers = admin) =>
  send(`${userPath(tenant, userId)}/disable`, { method: "POST", headers });
const enable = (tenant: Tenant, userId: string, headers = admin) =>
  send(`${userPath(tenant, userId)}/enable`, { method: "POST", headers });
const getUser = (tenant: Tenant, userId: string, headers = admin) => send(userPath(tenant, userId), { headers });
const listUsers = (tenant: Tenant, query = "", headers = admin) =>
  send(`/v1/admin/tenants/${tenantIdOf(tenant)}/users${query}`, { headers });

interface TenantUserBody {
  result: string;
  tenantUser: { id: string; kind: string; status: string; identity: { issuer: string; subject: string } | null };
}

async function pairOf(res: Response): Promise<TokenPair> {
  const text = await res.text();
  if (res.status !== 200) throw new Error(`expected a token pair, got ${res.status}: ${text}`);
  return JSON.parse(text) as TokenPair;
}

/** A tenant trusting a provider, and one end user of it signed in twice (two families). */
async function userWithTwoSessions() {
  const { tenant, idp } = await tenantTrustingProvider({ alg: "ES256" });
  const subject = `user-${crypto.randomUUID().slice(0, 8)}`;
  const first = await pairOf(await exchange(tenant, { authToken: await idp.token(subject) }));
  const second = await pairOf(await exchange(tenant, { authToken: await idp.token(subject) }));
  const userId = claimsOf(first.accessToken).sub;
  expect(claimsOf(second.accessToken).sub).toBe(userId);
  return { tenant, idp, subject, userId, first, second };
}

async function expectPersError(res: Response, status: number, error: string) {
  expect(res.status).toBe(status);
  const body = (await res.json()) as { error: string; message: string };
  expect(body.error).toBe(error);
  return body;
}

async function statusInD1(userId: string): Promise<string | undefined> {
  const row = await env.DB.prepare("SELECT status FROM tenant_users WHERE public_id = ?")
    .bind(userId)
    .first<{ status: string }>();
  return row?.status;
}

describe("admin: disabling a tenant user", () => {
  it("ends every family at once: refreshes are refused with user_disabled, and it is audited", async () => {
    const { tenant, userId, first, second } = await userWithTwoSessions();
    const res = await disable(tenant, userId);
    expect(res.status).toBe(200);
    expect(((await res.json()) as TenantUserBody).tenantUser).toMatchObject({ id: userId, status: "disabled" });

    for (const pair of [first, second]) {
      const rows = await familyRows(claimsOf(pair.refreshToken).family_id);
      expect(rows.length).toBe(1);
      expect(rows.every((row) => row.status === "revoked")).toBe(true);
      const body = await expectPersError(await refresh(tenant, pair.refreshToken), 403, "user_disabled");
      expect(body.message).toBe("This user has been disabled for the project.");
    }

    const audit = (await auditRowsFor(userId)).filter((row) => row.action === "tenant_user.disable");
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      tenant: tenantIdOf(tenant),
      actorType: "adminuser",
      details: { was: "active", families_revoked: 2 },
    });
  });

  it("refuses the user's fresh identity token with 403 user_disabled, writes no session, audits the attempt", async () => {
    const { tenant, idp, subject, userId } = await userWithTwoSessions();
    expect((await disable(tenant, userId)).status).toBe(200);
    const before = await tenantFootprint(tenant);

    const res = await exchange(tenant, { authToken: await idp.token(subject) });
    // A 403, never the 401 of a bad identity token: a new token from the provider would not help.
    await expectPersError(res, 403, "user_disabled");
    expect(res.headers.get("WWW-Authenticate")).toBeNull();
    expect(await tenantFootprint(tenant)).toEqual(before);

    const refused = (await auditRowsFor(userId)).filter((row) => row.action === "auth.login_failed");
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({
      tenant: tenantIdOf(tenant),
      actorType: "anonymous",
      details: { flow: "token_exchange", reason: "user_disabled", issuer: idp.issuer },
    });
    // A bad token of that user is still the 401 of a bad token: the status is only looked at once it verified.
    const expired = await idp.token(subject, { exp: Math.floor(Date.now() / 1000) - 3600 });
    await expectPersError(await exchange(tenant, { authToken: expired }), 401, "invalid_token");
  });

  it("stops the user's access tokens at the gateway and at /v2/auth/verify", async () => {
    const { tenant, userId, first } = await userWithTwoSessions();
    const atGateway = () => send("/v1/loyalty/points", { headers: { Authorization: `Bearer ${first.accessToken}` } });
    expect((await atGateway()).status).toBe(200);

    expect((await disable(tenant, userId)).status).toBe(200);
    const res = await atGateway();
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: "session_revoked" });
    const verdict = (await (await verify(tenant, first.accessToken)).json()) as { valid: boolean; reason?: string };
    expect(verdict).toMatchObject({ valid: false, reason: "revoked" });
  });

  it("leaves the tenant's other users alone", async () => {
    const { tenant, idp, userId } = await userWithTwoSessions();
    const other = await pairOf(await exchange(tenant, { authToken: await idp.token("someone-else") }));
    expect((await disable(tenant, userId)).status).toBe(200);

    expect((await refresh(tenant, other.refreshToken)).status).toBe(200);
    expect((await exchange(tenant, { authToken: await idp.token("someone-else") })).status).toBe(200);
    expect(await statusInD1(claimsOf(other.accessToken).sub)).toBe("active");
  });

  it("twice is a 200 that changes nothing more, audited with what it was", async () => {
    const { tenant, userId } = await userWithTwoSessions();
    expect((await disable(tenant, userId)).status).toBe(200);
    const again = await disable(tenant, userId);
    expect(again.status).toBe(200);
    expect(((await again.json()) as TenantUserBody).tenantUser.status).toBe("disabled");

    const audit = (await auditRowsFor(userId)).filter((row) => row.action === "tenant_user.disable");
    expect(audit.map((row) => row.details)).toEqual([
      { was: "active", families_revoked: 2 },
      { was: "disabled", families_revoked: 0 },
    ]);
  });

  it("ends an anonymous user's session too: the refresh is refused", async () => {
    const tenant = await createTenant();
    await configureTenant(tenant, { allowJwtForUnauthenticatedUsers: true });
    const pair = await pairOf(await exchange(tenant, { rawLoginData: { someKey: "someValue" } }));
    const userId = claimsOf(pair.accessToken).sub;

    const res = await disable(tenant, userId);
    expect(res.status).toBe(200);
    expect(((await res.json()) as TenantUserBody).tenantUser).toMatchObject({
      kind: "anonymous",
      status: "disabled",
      identity: null,
    });
    await expectPersError(await refresh(tenant, pair.refreshToken), 403, "user_disabled");
    const rows = await familyRows(claimsOf(pair.refreshToken).family_id);
    expect(rows.every((row) => row.status === "revoked")).toBe(true);
    // Each anonymous sign-in is a new user: nothing links it to the disabled one.
    expect((await exchange(tenant, { rawLoginData: { someKey: "someValue" } })).status).toBe(200);
  });
});

describe("admin: enabling a tenant user again", () => {
  it("lets the user exchange again; the sessions that disabling ended stay ended", async () => {
    const { tenant, idp, subject, userId, first } = await userWithTwoSessions();
    expect((await disable(tenant, userId)).status).toBe(200);
    const res = await enable(tenant, userId);
    expect(res.status).toBe(200);
    expect(((await res.json()) as TenantUserBody).tenantUser).toMatchObject({ id: userId, status: "active" });

    const fresh = await pairOf(await exchange(tenant, { authToken: await idp.token(subject) }));
    expect(claimsOf(fresh.accessToken).sub).toBe(userId);
    expect((await refresh(tenant, fresh.refreshToken)).status).toBe(200);
    await expectPersError(await refresh(tenant, first.refreshToken), 401, "invalid_token");

    const audit = (await auditRowsFor(userId)).filter((row) => row.action === "tenant_user.enable");
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ tenant: tenantIdOf(tenant), details: { was: "disabled" } });
  });

  it("an active user is a 200 that changes nothing", async () => {
    const { tenant, userId, first } = await userWithTwoSessions();
    const res = await enable(tenant, userId);
    expect(res.status).toBe(200);
    expect(((await res.json()) as TenantUserBody).tenantUser.status).toBe("active");
    expect((await refresh(tenant, first.refreshToken)).status).toBe(200);
  });
});

describe("admin: finding a tenant user", () => {
  it("by id, with the identity it signs in with", async () => {
    const { tenant, idp, subject, userId } = await userWithTwoSessions();
    const res = await getUser(tenant, userId);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      result: "success",
      tenantUser: { id: userId, kind: "external", status: "active", identity: { issuer: idp.issuer, subject } },
    });
  });

  it("by identity or status, newest first, a page at a time", async () => {
    const { tenant, idp, subject, userId } = await userWithTwoSessions();
    const later = claimsOf(
      (await pairOf(await exchange(tenant, { authToken: await idp.token("second-user") }))).accessToken,
    ).sub;
    expect((await disable(tenant, userId)).status).toBe(200);

    const idsOf = async (res: Response) => {
      expect(res.status).toBe(200);
      const body = (await res.json()) as { tenantUsers: { id: string }[]; next_cursor: string | null };
      return { ids: body.tenantUsers.map((user) => user.id), next: body.next_cursor };
    };
    const identity = `?issuer=${encodeURIComponent(idp.issuer)}&subject=${subject}`;
    expect(await idsOf(await listUsers(tenant, identity))).toEqual({ ids: [userId], next: null });
    expect(await idsOf(await listUsers(tenant, "?status=disabled"))).toEqual({ ids: [userId], next: null });
    expect(await idsOf(await listUsers(tenant, "?status=active"))).toEqual({ ids: [later], next: null });

    const page = await idsOf(await listUsers(tenant, "?limit=1"));
    expect(page.ids).toEqual([later]);
    expect(page.next).not.toBeNull();
    expect(await idsOf(await listUsers(tenant, `?limit=1&cursor=${page.next}`))).toEqual({ ids: [userId], next: null });
    // Another tenant's list never shows them.
    expect(await idsOf(await listUsers(await createTenant()))).toEqual({ ids: [], next: null });
  });

  it("refuses an issuer without a subject, an unknown status and a bad cursor", async () => {
    const { tenant } = await userWithTwoSessions();
    for (const query of ["?issuer=https%3A%2F%2Fidp.example.test", "?subject=x", "?status=blocked", "?cursor=abc"]) {
      const res = await listUsers(tenant, query);
      expect(res.status, query).toBe(400);
      expect(await res.json()).toMatchObject({ result: "error", code: "invalid_request" });
    }
  });
});

describe("admin: tenant user routes refuse", () => {
  it("an unknown tenant, an unknown user and another tenant's user with 404; a malformed id with 400", async () => {
    const { tenant, userId, first } = await userWithTwoSessions();
    const elsewhere = await createTenant();
    for (const call of [disable, enable, getUser]) {
      for (const [where, who] of [
        [crypto.randomUUID(), userId],
        [tenant, crypto.randomUUID()],
        [elsewhere, userId],
      ] as const) {
        const res = await call(where, who);
        expect(res.status).toBe(404);
        expect(await res.json()).toMatchObject({ result: "error", code: "not_found" });
      }
      expect((await call(tenant, "not-a-uuid")).status).toBe(400);
    }
    expect((await listUsers(crypto.randomUUID())).status).toBe(404);
    expect(await statusInD1(userId)).toBe("active");
    expect((await refresh(tenant, first.refreshToken)).status).toBe(200);
  });

  it("non-admins with 403 and callers without a valid token with 401; nothing changes", async () => {
    const { tenant, userId, first } = await userWithTwoSessions();
    const callers: Array<[Record<string, string>, number]> = [
      [(await signedInUser("user")).headers, 403],
      [(await signedInUser("agent")).headers, 403],
      [{}, 401],
      [{ Authorization: "Bearer nope", "User-Type": "adminuser" }, 401],
    ];
    for (const [headers, status] of callers) {
      for (const res of [
        await disable(tenant, userId, headers),
        await enable(tenant, userId, headers),
        await getUser(tenant, userId, headers),
        await listUsers(tenant, "", headers),
      ]) {
        expect(res.status).toBe(status);
        if (status === 403) expect(await res.json()).toMatchObject({ code: "insufficient_permission" });
      }
    }
    expect(await statusInD1(userId)).toBe("active");
    expect((await refresh(tenant, first.refreshToken)).status).toBe(200);
    expect((await auditRowsFor(userId)).some((row) => row.action.startsWith("tenant_user."))).toBe(false);
  });
});
