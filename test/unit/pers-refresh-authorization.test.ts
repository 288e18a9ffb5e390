import { eq } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import type { OptInAuthType, PersAuthType } from "../../src/domain";
import { isFamilyLive, refreshPersSession, startPersSession } from "../../src/services/token-exchange/pers-sessions";
import { verifyPersToken } from "../../src/services/token-exchange/pers-tokens";
import { verifyAnyPersToken } from "../../src/services/token-exchange/verify";
import { updateBusiness } from "../../src/storage/businesses";
import { deleteProvider, replaceProvider } from "../../src/storage/identity-providers";
import {
  externalIdentities,
  identityProviders,
  refreshTokens,
  tenantSettings,
  tenantUsers,
} from "../../src/storage/schema";
import { insertAnonymousTenantUser } from "../../src/storage/tenant-users";
import { auditRowsFor } from "../support/api-keys";
import { type TestDeps, testDeps } from "../support/deps";
import { claimsOf, configureTenant, familyRows } from "../support/pers";
import { persSessionAt, startUserSession } from "../support/pers-session";

const DAY = 86_400_000;
// Now, not in the past: KV refuses an expiry that is already over by the real clock.
const start = new Date(Date.now() - 60_000);
const at = (ms: number) => new Date(start.getTime() + ms);
const numeric = (token: string, claim: "exp" | "iat" | "auth_time") => Number(claimsOf(token)[claim]);

let clock: TestDeps;
beforeEach(async () => {
  clock = await testDeps();
});

/**
 * A session of `authType` for a fresh user of a fresh tenant with a provider, started at `start`
 * with the tenant's settings allowing it (an exchange's own check); each test changes them after.
 */
async function sessionOf(authType: PersAuthType = "user") {
  const deps = clock.at(start);
  const base = await persSessionAt(deps);
  if (authType === "user") return base;
  const [identity] = await deps.db
    .select()
    .from(externalIdentities)
    .where(eq(externalIdentities.tenantUserId, base.user.id));
  if (!identity) throw new Error("no identity");
  await configureTenant(
    base.tenant,
    authType === "tenant"
      ? { adminIdentities: [{ issuer: identity.issuer, subject: identity.subject }] }
      : { enabledAuthTypes: [authType as OptInAuthType] },
  );
  const pair = await startPersSession(deps, {
    tenantId: base.tenant.tenantId,
    tenantUserId: base.user.id,
    session: {
      tenantPublicId: base.tenant.tenantPublicId,
      tenantUserPublicId: base.user.publicId,
      authType,
      anonymous: false,
      mode: "live",
    },
  });
  return { ...base, pair };
}

/** The refresh is refused as an invalid refresh token, and every token of the family is revoked. */
async function expectFamilyEnded(
  tenant: Parameters<typeof refreshPersSession>[1],
  refreshToken: string,
  now = at(60_000),
) {
  await expect(refreshPersSession(clock.at(now), tenant, refreshToken)).rejects.toMatchObject({
    code: "invalid_token",
    options: { reason: "unauthorized" },
  });
  const familyId = claimsOf(refreshToken).family_id;
  const rows = await familyRows(familyId);
  expect(rows.length).toBeGreaterThan(0);
  expect(rows.every((row) => row.status === "revoked")).toBe(true);
  const verified = await verifyPersToken(clock.at(now), "refresh", refreshToken);
  if (!verified.ok) throw new Error("token should verify");
  expect(await isFamilyLive(clock.at(now), verified.session, verified.claims.iat)).toBe(false);
}

describe("a PERS refresh re-checks what authorized the family", () => {
  it("still refreshes while nothing changed", async () => {
    const { tenant, pair } = await sessionOf();
    const next = await refreshPersSession(clock.at(at(60_000)), tenant, pair.refreshToken);
    expect(claimsOf(next.refreshToken).family_id).toBe(claimsOf(pair.refreshToken).family_id);
  });

  it("a suspended tenant's family ends", async () => {
    const { tenant, pair } = await sessionOf();
    await updateBusiness(clock.at(start).db, tenant.tenantId, { status: "suspended" }, start);
    await expectFamilyEnded(tenant, pair.refreshToken);
  });

  it("a disabled identity provider's families end", async () => {
    const { tenant, pair, provider } = await sessionOf();
    if (!provider) throw new Error("no provider");
    const db = clock.at(start).db;
    await db.update(identityProviders).set({ enabled: false }).where(eq(identityProviders.id, provider.id));
    await expectFamilyEnded(tenant, pair.refreshToken);
  });

  it("a removed identity provider's families end", async () => {
    const { tenant, pair, provider } = await sessionOf();
    if (!provider) throw new Error("no provider");
    await deleteProvider(clock.at(start).db, tenant.tenantId, provider.publicId);
    await expectFamilyEnded(tenant, pair.refreshToken);
  });

  it("a provider whose issuer changed no longer vouches for the family", async () => {
    const { tenant, pair, provider } = await sessionOf();
    if (!provider) throw new Error("no provider");
    const { id, publicId, tenantId, createdAt, updatedAt, ...values } = provider;
    await replaceProvider(
      clock.at(start).db,
      tenant.tenantId,
      publicId,
      { ...values, issuer: "https://other.test" },
      start,
    );
    await expectFamilyEnded(tenant, pair.refreshToken);
  });

  it("a deleted tenant user's family ends", async () => {
    const { tenant, pair, user } = await sessionOf();
    await clock.at(start).db.delete(tenantUsers).where(eq(tenantUsers.id, user.id));
    await expect(refreshPersSession(clock.at(at(60_000)), tenant, pair.refreshToken)).rejects.toMatchObject({
      code: "invalid_token",
    });
    const verified = await verifyPersToken(clock.at(at(60_000)), "refresh", pair.refreshToken);
    if (!verified.ok) throw new Error("token should verify");
    expect(await isFamilyLive(clock.at(at(60_000)), verified.session, verified.claims.iat)).toBe(false);
  });

  it("a disabled tenant user's family is refused with user_disabled and ended, even if the disable missed it", async () => {
    const { tenant, pair, user } = await sessionOf();
    // Disabled without revoking its families: what a racing exchange leaves, or KV not yet propagated.
    await clock.at(start).db.update(tenantUsers).set({ status: "disabled" }).where(eq(tenantUsers.id, user.id));
    await expect(refreshPersSession(clock.at(at(60_000)), tenant, pair.refreshToken)).rejects.toMatchObject({
      code: "user_disabled",
    });
    const rows = await familyRows(claimsOf(pair.refreshToken).family_id);
    expect(rows.every((row) => row.status === "revoked")).toBe(true);
    const verified = await verifyPersToken(clock.at(at(60_000)), "refresh", pair.refreshToken);
    if (!verified.ok) throw new Error("token should verify");
    expect(await isFamilyLive(clock.at(at(60_000)), verified.session, verified.claims.iat)).toBe(false);
    await clock.settle();
    const audit = await auditRowsFor(user.publicId);
    expect(audit.map((row) => [row.action, row.details?.reason])).toEqual([
      ["auth.refresh_refused", "tenant user disabled"],
    ]);

    // Enabled again, the ended family stays ended.
    await clock.at(start).db.update(tenantUsers).set({ status: "active" }).where(eq(tenantUsers.id, user.id));
    await expect(refreshPersSession(clock.at(at(120_000)), tenant, pair.refreshToken)).rejects.toMatchObject({
      code: "invalid_token",
    });
  });

  it("an exchange that read its user as active before a disable writes no family: user_disabled", async () => {
    const deps = clock.at(start);
    const { tenant, user } = await persSessionAt(deps);
    await deps.db.update(tenantUsers).set({ status: "disabled" }).where(eq(tenantUsers.id, user.id));
    const before = await deps.db.select().from(refreshTokens).where(eq(refreshTokens.tenantUserId, user.id));
    await expect(startUserSession(deps, tenant, user)).rejects.toMatchObject({ code: "user_disabled" });
    const after = await deps.db.select().from(refreshTokens).where(eq(refreshTokens.tenantUserId, user.id));
    expect(after).toEqual(before);
  });

  it("an exchange overtaken by a provider's removal (its settings read before) is refused and its family ended", async () => {
    const deps = clock.at(start);
    const { tenant, user, provider } = await persSessionAt(deps);
    await deleteProvider(deps.db, tenant.tenantId, provider?.publicId ?? "");
    const before = await deps.db.select().from(refreshTokens).where(eq(refreshTokens.tenantUserId, user.id));
    await expect(startUserSession(deps, tenant, user)).rejects.toMatchObject({ code: "authorization_changed" });
    const after = await deps.db.select().from(refreshTokens).where(eq(refreshTokens.tenantUserId, user.id));
    const written = after.filter((row) => !before.some((earlier) => earlier.id === row.id));
    expect(written).toHaveLength(1);
    expect(written[0]?.status).toBe("revoked");
    const family = written[0]?.familyId ?? "";
    expect(await isFamilyLive(deps, { familyId: family, tenantPublicId: tenant.tenantPublicId } as never, 0)).toBe(
      false,
    );
  });

  it("an auth type the tenant switched off ends its families; one still on keeps refreshing", async () => {
    const { tenant, pair } = await sessionOf("business");
    await configureTenant(tenant, { enabledAuthTypes: ["business", "system"] });
    const next = await refreshPersSession(clock.at(at(60_000)), tenant, pair.refreshToken);
    await configureTenant(tenant, { enabledAuthTypes: ["system"] });
    await expectFamilyEnded(tenant, next.refreshToken, at(120_000));
  });

  it("an auth type never enabled (no settings at all) is refused", async () => {
    const { tenant, pair } = await sessionOf("external");
    await clock.at(start).db.delete(tenantSettings).where(eq(tenantSettings.tenantId, tenant.tenantId));
    await expectFamilyEnded(tenant, pair.refreshToken);
  });

  it("an admin taken off the tenant's admin list loses the tenant session", async () => {
    const { tenant, pair } = await sessionOf("tenant");
    const [identity] = await clock
      .at(start)
      .db.select()
      .from(externalIdentities)
      .where(eq(externalIdentities.tenantId, tenant.tenantId));
    if (!identity) throw new Error("no identity");
    const admin = { issuer: identity.issuer, subject: identity.subject };
    await configureTenant(tenant, { adminIdentities: [admin] });
    const next = await refreshPersSession(clock.at(at(60_000)), tenant, pair.refreshToken);
    await configureTenant(tenant, { adminIdentities: [{ ...admin, subject: "someone-else" }] });
    await expectFamilyEnded(tenant, next.refreshToken, at(120_000));
  });

  it("an anonymous session ends when the tenant stops allowing anonymous users", async () => {
    const deps = clock.at(start);
    const { tenant } = await persSessionAt(deps);
    await configureTenant(tenant, { allowJwtForUnauthenticatedUsers: true });
    const anonymous = await insertAnonymousTenantUser(deps.db, {
      publicId: crypto.randomUUID(),
      tenantId: tenant.tenantId,
      rawLoginData: { device: "kiosk" },
      now: start,
    });
    const pair = await startPersSession(deps, {
      tenantId: tenant.tenantId,
      tenantUserId: anonymous.id,
      session: {
        tenantPublicId: tenant.tenantPublicId,
        tenantUserPublicId: anonymous.publicId,
        authType: "user",
        anonymous: true,
        mode: "live",
      },
    });
    const next = await refreshPersSession(clock.at(at(60_000)), tenant, pair.refreshToken);
    await configureTenant(tenant, { allowJwtForUnauthenticatedUsers: false });
    await expectFamilyEnded(tenant, next.refreshToken, at(120_000));
  });
});

describe("PERS families have an absolute lifetime and an inactivity timeout", () => {
  it("rotations never carry a family past 90 days from its exchange", async () => {
    const { tenant, pair } = await sessionOf();
    let token = pair.refreshToken;
    for (const day of [25, 50, 75]) {
      token = (await refreshPersSession(clock.at(at(day * DAY)), tenant, token)).refreshToken;
    }
    // Refreshed on day 75: 30 more days would be day 105; the family ends on day 90.
    const familyEnd = numeric(pair.refreshToken, "auth_time") * 1000 + 90 * DAY;
    expect(numeric(token, "exp") * 1000).toBeLessThanOrEqual(familyEnd);
    expect(numeric(token, "exp") * 1000).toBeGreaterThan(familyEnd - 2000);
    await expect(refreshPersSession(clock.at(at(89 * DAY)), tenant, token)).resolves.toBeDefined();
  });

  it("a token presented at the family's end is refused and the family revoked", async () => {
    const shortLived = await testDeps({ persSessionMaxLifetimeSeconds: 40 * 86_400 });
    clock = shortLived;
    const { tenant, pair } = await sessionOf();
    const next = await refreshPersSession(clock.at(at(20 * DAY)), tenant, pair.refreshToken);
    // A later configuration with a shorter lifetime applies to tokens already out.
    clock = await testDeps({ persSessionMaxLifetimeSeconds: 30 * 86_400 });
    await expectFamilyEnded(tenant, next.refreshToken, at(30 * DAY + 1000));
  });

  it("a family unused for longer than the inactivity timeout ends", async () => {
    const { tenant, pair } = await sessionOf();
    clock = await testDeps({ persSessionInactivitySeconds: 7 * 86_400 });
    await expectFamilyEnded(tenant, pair.refreshToken, at(7 * DAY + 1000));
  });

  it("verify agrees with refresh: a refresh token past today's bounds is expired, not valid", async () => {
    const { tenant, pair } = await sessionOf();
    const dayEight = at(8 * DAY);
    expect(await verifyAnyPersToken(clock.at(dayEight), tenant, pair.refreshToken)).toMatchObject({ valid: true });
    for (const lowered of [
      { persSessionInactivitySeconds: 7 * 86_400 },
      { persSessionMaxLifetimeSeconds: 7 * 86_400 },
    ]) {
      const deps = (await testDeps(lowered)).at(dayEight);
      expect(await verifyAnyPersToken(deps, tenant, pair.refreshToken), JSON.stringify(lowered)).toEqual({
        valid: false,
        reason: "expired",
        errorMessage: "Token expired",
      });
    }
    // Verify only reads: the family is still there for refresh to judge (and end).
    await expect(refreshPersSession(clock.at(dayEight), tenant, pair.refreshToken)).resolves.toBeDefined();
  });

  it("each rotation's token expires after the inactivity timeout when it is shorter than the refresh lifetime", async () => {
    clock = await testDeps({ persSessionInactivitySeconds: 7 * 86_400 });
    const { tenant, pair } = await sessionOf();
    expect(numeric(pair.refreshToken, "exp") - numeric(pair.refreshToken, "iat")).toBe(7 * 86_400);
    const next = await refreshPersSession(clock.at(at(6 * DAY)), tenant, pair.refreshToken);
    expect(numeric(next.refreshToken, "exp") - numeric(next.refreshToken, "iat")).toBe(7 * 86_400);
    expect(numeric(next.refreshToken, "auth_time")).toBe(numeric(pair.refreshToken, "auth_time"));
  });
});
