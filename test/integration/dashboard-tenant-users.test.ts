import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/storage/db";
import { insertAnonymousTenantUser } from "../../src/storage/tenant-users";
import { createUser } from "../support/accounts";
import { auditRowsFor } from "../support/api-keys";
import { DASHBOARD_COOKIE, type DashboardVisitor, postForm, signInToDashboard } from "../support/dashboard";
import type { FakeIdentityProvider } from "../support/identity-provider";
import { claimsOf, configureTenant, exchange, familyRows, refresh, type TokenPair } from "../support/pers";
import { tenantTrustingProvider } from "../support/pers-session";
import type { TestTenant } from "../support/tenants";

/**
 * An operator finds a PERS tenant's end users on the tenant's dashboard page and disables,
 * enables or signs one out, each behind a confirmation, through the admin services.
 */

let staff: DashboardVisitor;
let adminPublicId: string;
beforeAll(async () => {
  const admin = await createUser({ userType: "adminuser" });
  adminPublicId = admin.publicId;
  staff = await signInToDashboard(admin.email, admin.password);
});

const ACTIONS = ["disable", "enable", "end-sessions"] as const;
const pageOf = (tenant: TestTenant) => `/dashboard/admin/tenants/${tenant.tenantPublicId}`;
const actionPath = (tenant: TestTenant, userId: string, action: (typeof ACTIONS)[number]) =>
  `${pageOf(tenant)}/users/${userId}/${action}`;

async function pairOf(res: Response): Promise<TokenPair> {
  const text = await res.text();
  if (res.status !== 200) throw new Error(`expected a token pair, got ${res.status}: ${text}`);
  return JSON.parse(text) as TokenPair;
}

interface SignedInUser {
  subject: string;
  userId: string;
  pair: TokenPair;
}

async function signInAt(
  tenant: TestTenant,
  idp: FakeIdentityProvider,
  subject = `user-${crypto.randomUUID().slice(0, 8)}`,
) {
  const pair = await pairOf(await exchange(tenant, { authToken: await idp.token(subject) }));
  return { subject, userId: claimsOf(pair.accessToken).sub, pair } satisfies SignedInUser;
}

async function tenantWithUser() {
  const { tenant, idp } = await tenantTrustingProvider({ alg: "ES256" });
  return { tenant, idp, user: await signInAt(tenant, idp) };
}

async function statusInD1(userId: string): Promise<string | undefined> {
  const row = await env.DB.prepare("SELECT status FROM tenant_users WHERE public_id = ?")
    .bind(userId)
    .first<{ status: string }>();
  return row?.status;
}

/** The table row (from `<tr>` to `</tr>`) that names `text`, or "" when none does. */
function rowOf(html: string, text: string): string {
  return (
    html
      .split("<tr>")
      .slice(1)
      .map((row) => row.slice(0, row.indexOf("</tr>")))
      .find((row) => row.includes(text)) ?? ""
  );
}

const userRows = (html: string) => [...html.matchAll(/href="[^"]*\/users\/([0-9a-f-]{36})\/(?:disable|enable)"/g)];

async function pageText(path: string, visitor = staff): Promise<string> {
  const res = await visitor.get(path);
  expect(res.status).toBe(200);
  return res.text();
}

describe("a tenant's users on the tenant page", () => {
  it("says there are none yet, then lists each user with identity, display, anonymous and status, newest first", async () => {
    const { tenant, idp } = await tenantTrustingProvider({ alg: "ES256" });
    expect(await pageText(pageOf(tenant))).toContain("No users yet");
    await configureTenant(tenant, { allowJwtForUnauthenticatedUsers: true });
    const external = await signInAt(tenant, idp);
    const anonymous = claimsOf((await pairOf(await exchange(tenant, { rawLoginData: { cart: "7" } }))).accessToken).sub;
    const elsewhere = await tenantWithUser();

    const html = await pageText(pageOf(tenant));
    const row = rowOf(html, external.userId);
    expect(row).toContain(idp.issuer);
    expect(row).toContain(`>${external.subject}<`);
    expect(row).toContain(`Person ${external.subject}`);
    expect(row).toContain(`${external.subject}@example.com`);
    expect(row).toMatch(/<td>no<\/td><td>active<\/td>/);
    expect(rowOf(html, anonymous)).toMatch(/<td>yes<\/td><td>active<\/td>/);
    expect(userRows(html).map((match) => match[1])).toEqual([anonymous, external.userId]);
    expect(html).not.toContain(elsewhere.user.userId);
  });

  it("shows only the page's own notices: an inherited name such as constructor is none", async () => {
    const { tenant } = await tenantWithUser();
    for (const name of ["constructor", "toString", "__proto__", "hasOwnProperty", "bogus"]) {
      expect(await pageText(`${pageOf(tenant)}?notice=${name}`)).not.toContain('class="notice"');
    }
    expect(await pageText(`${pageOf(tenant)}?notice=saved`)).toContain("Settings saved.");
  });

  it("filters by status and finds one user by issuer and subject", async () => {
    const { tenant, idp, user: kept } = await tenantWithUser();
    const gone = await signInAt(tenant, idp);
    expect((await staff.post(actionPath(tenant, gone.userId, "disable"))).status).toBe(303);

    const ids = async (query: string) => userRows(await pageText(`${pageOf(tenant)}?${query}`)).map((m) => m[1]);
    expect(await ids("status=disabled")).toEqual([gone.userId]);
    expect(await ids("status=active")).toEqual([kept.userId]);
    expect(await ids("status=")).toEqual([gone.userId, kept.userId]);
    const identity = new URLSearchParams({ issuer: idp.issuer, subject: kept.subject });
    expect(await ids(`${identity}`)).toEqual([kept.userId]);
    expect(await ids(`${identity}&status=disabled`)).toEqual([]);
    const nobody = await pageText(
      `${pageOf(tenant)}?${new URLSearchParams({ issuer: idp.issuer, subject: "nobody" })}`,
    );
    expect(nobody).toContain("No users match.");
    expect(nobody).toContain(`value="nobody"`);
  });

  it("says beside the field that issuer and subject go together, and that a status is unknown", async () => {
    const { tenant, user } = await tenantWithUser();
    const half = await staff.get(`${pageOf(tenant)}?issuer=https%3A%2F%2Fidp.example.test`);
    expect(half.status).toBe(400);
    const html = await half.text();
    expect(html).toContain('id="user-issuer-error">Issuer and subject go together.');
    expect(html).toContain('aria-describedby="user-issuer-hint user-issuer-error"');
    // The refused filter lists nobody rather than everyone.
    expect(html).not.toContain(user.userId);
    const status = await staff.get(`${pageOf(tenant)}?status=deleted`);
    expect(status.status).toBe(400);
    expect(await status.text()).toContain('id="user-status-error"');
  });

  it("pages 50 at a time; the older page keeps the filter", async () => {
    const { tenant } = await tenantTrustingProvider({ alg: "ES256" });
    const db = openDatabase(env.DB);
    const created: string[] = [];
    for (let i = 0; i < 51; i += 1) {
      const row = await insertAnonymousTenantUser(db, {
        publicId: crypto.randomUUID(),
        tenantId: tenant.tenantId,
        rawLoginData: { i },
        now: new Date(),
      });
      created.push(row.publicId);
    }
    const first = await pageText(`${pageOf(tenant)}?status=active`);
    expect(userRows(first).map((m) => m[1])).toEqual(created.slice(1).reverse());
    const older = /href="([^"]+)">Older →/.exec(first)?.[1]?.replaceAll("&amp;", "&") ?? "";
    expect(older).toMatch(new RegExp(`^${pageOf(tenant)}\\?status=active&cursor=[0-9]+#users$`));
    const second = await pageText(older.replace("#users", ""));
    expect(userRows(second).map((m) => m[1])).toEqual([created[0]]);
    expect(second).not.toContain("Older →");
  });
});

describe("disabling, enabling and signing out a tenant user from the dashboard", () => {
  it("disables behind a confirmation naming the user: the PERS refresh is refused and the list says disabled", async () => {
    const { tenant, idp, user } = await tenantWithUser();
    const disableHref = /href="([^"]+\/disable)"/.exec(rowOf(await pageText(pageOf(tenant)), user.userId))?.[1];
    expect(disableHref).toBe(actionPath(tenant, user.userId, "disable"));
    const confirmation = await pageText(disableHref ?? "");
    expect(confirmation).toContain("Disable this user?");
    expect(confirmation).toContain(`${user.subject} (${idp.issuer})`);
    expect(await statusInD1(user.userId)).toBe("active");

    const res = await staff.post(disableHref ?? "");
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`${pageOf(tenant)}?notice=user-disabled#users`);
    const refused = await refresh(tenant, user.pair.refreshToken);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ error: "user_disabled" });
    expect((await exchange(tenant, { authToken: await idp.token(user.subject) })).status).toBe(403);

    const after = await pageText(`${pageOf(tenant)}?notice=user-disabled`);
    expect(after).toContain("The user is disabled and every session they had is ended.");
    const row = rowOf(after, user.userId);
    expect(row).toContain("<td>disabled</td>");
    expect(row).toContain(`href="${actionPath(tenant, user.userId, "enable")}"`);
    expect(row).not.toContain("/disable");
    const audit = (await auditRowsFor(user.userId)).filter((event) => event.action === "tenant_user.disable");
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      actorType: "adminuser",
      actorPublicId: adminPublicId,
      tenant: tenant.tenantPublicId,
    });
  });

  it("enables a disabled user: they exchange again, and the session disabling ended stays ended", async () => {
    const { tenant, idp, user } = await tenantWithUser();
    await staff.post(actionPath(tenant, user.userId, "disable"));
    expect(await pageText(actionPath(tenant, user.userId, "enable"))).toContain("Enable this user?");

    const res = await staff.post(actionPath(tenant, user.userId, "enable"));
    expect(res.headers.get("location")).toBe(`${pageOf(tenant)}?notice=user-enabled#users`);
    expect(await statusInD1(user.userId)).toBe("active");
    const again = await signInAt(tenant, idp, user.subject);
    expect(again.userId).toBe(user.userId);
    expect((await refresh(tenant, user.pair.refreshToken)).status).toBe(401);
    expect(rowOf(await pageText(pageOf(tenant)), user.userId)).toContain("<td>active</td>");
  });

  it("ends a user's sessions: the refresh is refused, the user stays active and signs in again", async () => {
    const { tenant, idp, user } = await tenantWithUser();
    const other = await signInAt(tenant, idp);
    expect(await pageText(actionPath(tenant, user.userId, "end-sessions"))).toContain("End this user&#39;s sessions?");

    const res = await staff.post(actionPath(tenant, user.userId, "end-sessions"));
    expect(res.headers.get("location")).toBe(`${pageOf(tenant)}?notice=user-sessions-ended#users`);
    expect((await refresh(tenant, user.pair.refreshToken)).status).toBe(401);
    const rows = await familyRows(claimsOf(user.pair.refreshToken).family_id);
    expect(rows.every((row) => row.status === "revoked")).toBe(true);
    expect(await statusInD1(user.userId)).toBe("active");
    expect((await signInAt(tenant, idp, user.subject)).userId).toBe(user.userId);
    expect((await refresh(tenant, other.pair.refreshToken)).status).toBe(200);
    expect(await pageText(`${pageOf(tenant)}?notice=user-sessions-ended`)).toContain(
      "Every session of the user is ended.",
    );
    expect((await auditRowsFor(user.userId)).map((event) => event.action)).toContain("pers_session.revoke");
  });
});

describe("what the tenant user actions refuse", () => {
  async function expectUntouched(user: SignedInUser, status = "active") {
    expect(await statusInD1(user.userId)).toBe(status);
    const rows = await familyRows(claimsOf(user.pair.refreshToken).family_id);
    expect(rows.some((row) => row.status === "revoked")).toBe(false);
  }

  it("a missing, forged or other session's form token is 403 and changes nothing", async () => {
    const { tenant, user } = await tenantWithUser();
    const other = await createUser({ userType: "adminuser" });
    const otherStaff = await signInToDashboard(other.email, other.password);
    const cookie = { Cookie: `${DASHBOARD_COOKIE}=${staff.cookie}` };
    for (const action of ACTIONS) {
      const forms: Array<Record<string, string>> = [
        {},
        { _csrf: "forged" },
        { _csrf: otherStaff.formToken },
        { _csrf: "" },
      ];
      for (const fields of forms) {
        const res = await postForm(actionPath(tenant, user.userId, action), fields, cookie);
        expect(res.status).toBe(403);
        expect(await res.text()).toContain("This form is out of date");
      }
    }
    await expectUntouched(user);
  });

  it("a form posted from another site is 403 even with the right form token", async () => {
    const { tenant, user } = await tenantWithUser();
    const res = await postForm(
      actionPath(tenant, user.userId, "disable"),
      { _csrf: staff.formToken },
      { Cookie: `${DASHBOARD_COOKIE}=${staff.cookie}`, "Sec-Fetch-Site": "cross-site", Origin: "https://evil.test" },
    );
    expect(res.status).toBe(403);
    await expectUntouched(user);
  });

  it("is for admin users only: a user or agent is refused the list, the confirmations and the actions", async () => {
    const { tenant, user } = await tenantWithUser();
    for (const userType of ["user", "agent"] as const) {
      const account = await createUser({ userType });
      const visitor = await signInToDashboard(account.email, account.password);
      const list = await visitor.get(`${pageOf(tenant)}?status=active`);
      expect(list.status).toBe(403);
      const text = await list.text();
      expect(text).toContain("This page is for admin users.");
      expect(text).not.toContain(user.userId);
      for (const action of ACTIONS) {
        expect((await visitor.get(actionPath(tenant, user.userId, action))).status).toBe(403);
        expect((await visitor.post(actionPath(tenant, user.userId, action))).status).toBe(403);
      }
    }
    await expectUntouched(user);
  });

  it("an unknown user, another tenant's user and a malformed id are a 404 page", async () => {
    const { tenant } = await tenantWithUser();
    const elsewhere = await tenantWithUser();
    for (const userId of [crypto.randomUUID(), elsewhere.user.userId, "not-a-uuid"]) {
      const confirmation = await staff.get(actionPath(tenant, userId, "disable"));
      expect(confirmation.status).toBe(404);
      const html = await confirmation.text();
      expect(html).toContain("<title>Not found · Gatehouse</title>");
      expect(html).toContain("Tenant user not found.");
      for (const action of ACTIONS) {
        expect((await staff.post(actionPath(tenant, userId, action))).status).toBe(404);
      }
    }
    await expectUntouched(elsewhere.user);
    const unknownAction = await staff.post(`${pageOf(tenant)}/users/${elsewhere.user.userId}/delete`);
    expect(unknownAction.status).toBe(404);
    const unknownTenant = `/dashboard/admin/tenants/${crypto.randomUUID()}/users/${elsewhere.user.userId}/disable`;
    expect((await staff.get(unknownTenant)).status).toBe(404);
    expect((await staff.post(unknownTenant)).status).toBe(404);
    await expectUntouched(elsewhere.user);
  });
});
