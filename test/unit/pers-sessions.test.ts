import { beforeEach, describe, expect, it } from "vitest";
import { refreshPersSession, startPersSession } from "../../src/services/token-exchange/pers-sessions";
import { linkNewTenantUser } from "../../src/storage/tenant-users";
import { type TestDeps, testDeps } from "../support/deps";
import { claimsOf, familyRows } from "../support/pers";
import { createTenant } from "../support/tenants";

let clock: TestDeps;
beforeEach(async () => {
  clock = await testDeps();
});

async function sessionAt(now: Date) {
  const tenant = await createTenant();
  const deps = clock.at(now);
  const user = await linkNewTenantUser(deps.db, {
    tenantId: tenant.tenantId,
    issuer: "https://idp.unit.test",
    subject: crypto.randomUUID(),
    candidatePublicId: crypto.randomUUID(),
    email: null,
    name: null,
    now,
  });
  const pair = await startPersSession(deps, {
    tenantId: tenant.tenantId,
    tenantUserId: user.id,
    session: {
      tenantPublicId: tenant.tenantPublicId,
      tenantUserPublicId: user.publicId,
      authType: "user",
      anonymous: false,
    },
  });
  return { tenant, pair };
}

describe("PERS refresh grace window (PERS_REFRESH_REUSE_GRACE_SECONDS = 10)", () => {
  const start = new Date(Date.now() - 60_000);
  const at = (seconds: number) => new Date(start.getTime() + seconds * 1000);

  it("a rotated token presented again 9 s later gets the same child", async () => {
    const { tenant, pair } = await sessionAt(start);
    const child = await refreshPersSession(clock.at(at(0)), tenant, pair.refreshToken);
    const again = await refreshPersSession(clock.at(at(9)), tenant, pair.refreshToken);
    expect(claimsOf(again.refreshToken).jti).toBe(claimsOf(child.refreshToken).jti);
  });

  it("the same token presented 11 s later is reuse: the family is revoked", async () => {
    const { tenant, pair } = await sessionAt(start);
    const child = await refreshPersSession(clock.at(at(0)), tenant, pair.refreshToken);
    await expect(refreshPersSession(clock.at(at(11)), tenant, pair.refreshToken)).rejects.toMatchObject({
      code: "invalid_token",
      options: { reason: "reused" },
    });
    const rows = await familyRows(claimsOf(pair.refreshToken).family_id);
    expect(rows.map((row) => row.status)).toEqual(["revoked", "revoked"]);
    await expect(refreshPersSession(clock.at(at(12)), tenant, child.refreshToken)).rejects.toMatchObject({
      options: { reason: "revoked" },
    });
  });
});
