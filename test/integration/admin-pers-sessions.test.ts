import { beforeAll, describe, expect, it } from "vitest";
import { auditRowsFor } from "../support/api-keys";
import { claimsOf, exchange, familyRows, refresh } from "../support/pers";
import { startedSession } from "../support/pers-session";
import { createTenant, type TestTenant } from "../support/tenants";
import { signedInUser } from "../support/tokens";
import { send } from "../support/worker";

let admin: Record<string, string>;
beforeAll(async () => {
  admin = (await signedInUser("adminuser")).headers;
});

const sessionsPath = (tenant: TestTenant | string, userId: string) =>
  `/v1/admin/tenants/${typeof tenant === "string" ? tenant : tenant.tenantPublicId}/users/${userId}/sessions`;

const revoke = (path: string, headers: Record<string, string>) => send(path, { method: "DELETE", headers });

describe("admin: ending a tenant user's PERS sessions", () => {
  it("an admin revokes every family of the user: refreshes are refused, other users keep theirs, it is audited", async () => {
    const { tenant, idp, pair } = await startedSession();
    const userId = claimsOf(pair.refreshToken).sub;
    const res = await revoke(sessionsPath(tenant, userId), admin);
    expect(res.status).toBe(204);

    expect((await refresh(tenant, pair.refreshToken)).status).toBe(401);
    const rows = await familyRows(claimsOf(pair.refreshToken).family_id);
    expect(rows.every((row) => row.status === "revoked")).toBe(true);
    const audit = await auditRowsFor(userId);
    expect(audit.map((row) => row.action)).toContain("pers_session.revoke");
    expect(audit.find((row) => row.action === "pers_session.revoke")).toMatchObject({
      tenant: tenant.tenantPublicId,
      details: { families_revoked: 1 },
    });

    // Someone else at the same tenant is untouched.
    const other = await exchange(tenant, { authToken: await idp.token("someone-else") });
    const otherPair = (await other.json()) as { refreshToken: string };
    expect((await revoke(sessionsPath(tenant, userId), admin)).status).toBe(204);
    expect((await refresh(tenant, otherPair.refreshToken)).status).toBe(200);
  });

  it("an unknown tenant, an unknown user and another tenant's user are 404; a malformed id is 400", async () => {
    const { tenant, pair } = await startedSession();
    const userId = claimsOf(pair.refreshToken).sub;
    const elsewhere = await createTenant();
    expect((await revoke(sessionsPath(crypto.randomUUID(), userId), admin)).status).toBe(404);
    expect((await revoke(sessionsPath(tenant, crypto.randomUUID()), admin)).status).toBe(404);
    expect((await revoke(sessionsPath(elsewhere, userId), admin)).status).toBe(404);
    expect((await revoke(sessionsPath(tenant, "not-a-uuid"), admin)).status).toBe(400);
    expect((await refresh(tenant, pair.refreshToken)).status).toBe(200);
  });

  it("non-admins are 403 and callers without a token 401; nothing is revoked", async () => {
    const { tenant, pair } = await startedSession();
    const path = sessionsPath(tenant, claimsOf(pair.refreshToken).sub);
    for (const type of ["user", "agent"] as const) {
      const res = await revoke(path, (await signedInUser(type)).headers);
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ result: "error", code: "insufficient_permission" });
    }
    const anonymous = await revoke(path, {});
    expect(anonymous.status).toBe(401);
    expect((await revoke(path, { Authorization: "Bearer nope", "User-Type": "adminuser" })).status).toBe(401);
    expect((await refresh(tenant, pair.refreshToken)).status).toBe(200);
  });
});
