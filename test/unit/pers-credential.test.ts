import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import type { PersPrincipal } from "../../src/domain";
import { identityAssertion } from "../../src/gateway/assertion";
import type { Deps } from "../../src/services/deps";
import { authenticatePersAccessToken, refreshPersSession } from "../../src/services/token-exchange/pers-sessions";
import { issuePersAccessToken } from "../../src/services/token-exchange/pers-tokens";
import { kvKeys } from "../../src/storage/keys";
import { putPersFamily } from "../../src/storage/pers-family-store";
import { type TestDeps, testDeps, untouchable } from "../support/deps";
import { claimsOf } from "../support/pers";
import { persSessionAt } from "../support/pers-session";
import type { TestTenant } from "../support/tenants";

/**
 * A PERS access token presented as a credential (the gateway): its family's liveness is cached
 * per isolate for SESSION_LIVENESS_CACHE_SECONDS (5 in the tests), like a Ping session's.
 */

const T0 = Date.now() - 120_000;
const at = (seconds: number) => T0 + seconds * 1000;

async function sessionAt(clock: TestDeps, when: number) {
  const { tenant, user, pair } = await persSessionAt(clock.at(when));
  return { tenant, user, pair, familyId: claimsOf(pair.refreshToken).family_id };
}

/** What another isolate's revocation leaves behind: only the KV record says so. */
async function revokedElsewhere(deps: Deps, tenant: TestTenant, familyId: string, userPublicId: string) {
  await putPersFamily(
    deps.kv,
    familyId,
    {
      status: "revoked",
      tenantPublicId: tenant.tenantPublicId,
      tenantUserPublicId: userPublicId,
      authType: "user",
      revokedAt: deps.now.getTime(),
      expiresAt: deps.now.getTime() + 3600_000,
    },
    deps.now.getTime(),
  );
}

const withoutKv = (deps: Deps): Deps => ({ ...deps, kv: untouchable<Deps["kv"]>("KV") });

describe("a PERS access token as a credential", () => {
  it("is the principal of its tenant user and family", async () => {
    const clock = await testDeps();
    const { tenant, user, pair, familyId } = await sessionAt(clock, at(0));
    await expect(authenticatePersAccessToken(clock.at(at(1)), pair.accessToken)).resolves.toEqual({
      method: "pers",
      tenantId: tenant.tenantPublicId,
      tenantUserId: user.publicId,
      authType: "user",
      familyId,
      anonymous: false,
      mode: "live",
    });
  });

  it("never a refresh token", async () => {
    const clock = await testDeps();
    const { pair } = await sessionAt(clock, at(0));
    await expect(authenticatePersAccessToken(clock.at(at(1)), pair.refreshToken)).rejects.toMatchObject({
      code: "invalid_token",
      options: { detail: "a PERS refresh token is not a credential", challenge: "bearer" },
    });
  });

  it("reads its family from KV once, then from the isolate's cache until the cache lifetime ends", async () => {
    const clock = await testDeps();
    const { tenant, user, pair, familyId } = await sessionAt(clock, at(0));
    await authenticatePersAccessToken(clock.at(at(1)), pair.accessToken);
    await expect(authenticatePersAccessToken(withoutKv(clock.at(at(5))), pair.accessToken)).resolves.toMatchObject({
      familyId,
    });

    // Another isolate revoked the family: this one notices when its cache entry lapses (5 s).
    await revokedElsewhere(clock.at(at(2)), tenant, familyId, user.publicId);
    await expect(authenticatePersAccessToken(clock.at(at(5)), pair.accessToken)).resolves.toBeTruthy();
    await expect(authenticatePersAccessToken(clock.at(at(7)), pair.accessToken)).rejects.toMatchObject({
      code: "session_revoked",
    });
  });

  it("is refused at once, cache or not, once this isolate revoked its family", async () => {
    const clock = await testDeps();
    const { tenant, user, pair, familyId } = await sessionAt(clock, at(0));
    await authenticatePersAccessToken(clock.at(at(1)), pair.accessToken);

    // Reuse of a rotated refresh token after the grace window (10 s) revokes the family.
    await refreshPersSession(clock.at(at(2)), tenant, pair.refreshToken);
    await expect(refreshPersSession(clock.at(at(13)), tenant, pair.refreshToken)).rejects.toMatchObject({
      options: { reason: "reused" },
    });
    // Within what would have been the cached entry's lifetime, and without a KV read.
    const fresh = await issuePersAccessToken(clock.at(at(13)), {
      tenantPublicId: tenant.tenantPublicId,
      tenantUserPublicId: user.publicId,
      authType: "user",
      familyId,
      anonymous: false,
      mode: "live",
      authTime: Math.floor(Date.now() / 1000),
    });
    for (const token of [pair.accessToken, fresh]) {
      await expect(authenticatePersAccessToken(withoutKv(clock.at(at(14))), token)).rejects.toMatchObject({
        code: "session_revoked",
      });
    }
  });

  it("with no family record: accepted only while KV may not show it yet (60 s), and never cached", async () => {
    const clock = await testDeps();
    const { pair, familyId } = await sessionAt(clock, at(0));
    await clock.at(at(0)).kv.delete(kvKeys.persFamily(familyId));
    await expect(authenticatePersAccessToken(clock.at(at(30)), pair.accessToken)).resolves.toBeTruthy();
    await expect(authenticatePersAccessToken(withoutKv(clock.at(at(31))), pair.accessToken)).rejects.toThrow(
      /KV\.get was touched/,
    );
    await expect(authenticatePersAccessToken(clock.at(at(61)), pair.accessToken)).rejects.toMatchObject({
      code: "session_revoked",
    });
  });

  it("is read from KV every time when the cache lifetime is 0", async () => {
    const clock = await testDeps({ sessionLivenessCacheSeconds: 0 });
    const { pair } = await sessionAt(clock, at(0));
    await authenticatePersAccessToken(clock.at(at(1)), pair.accessToken);
    await expect(authenticatePersAccessToken(withoutKv(clock.at(at(2))), pair.accessToken)).rejects.toThrow(
      /KV\.get was touched/,
    );
  });
});

describe("the assertion for a PERS principal", () => {
  const member: PersPrincipal = {
    method: "pers",
    tenantId: "tenant-1",
    tenantUserId: "tenant-user-1",
    authType: "user",
    familyId: "family-1",
    anonymous: false,
    mode: "live",
  };

  it("names the tenant user as its subject, with the tenant, auth type and family", async () => {
    const deps = (await testDeps()).at(Date.UTC(2030, 3, 1));
    expect(decodeJwt(await identityAssertion(deps, member, "aud"))).toMatchObject({
      sub: "tenant-user-1",
      aud: "aud",
      auth_method: "pers",
      tenant_id: "tenant-1",
      tenant_user_id: "tenant-user-1",
      auth_type: "user",
      session_id: "family-1",
      anonymous: false,
      mode: "live",
    });
  });

  it("is never shared between two principals that differ in auth type, tenant or family", async () => {
    const deps = (await testDeps()).at(Date.UTC(2030, 3, 2));
    const first = await identityAssertion(deps, member, "aud");
    expect(await identityAssertion(deps, member, "aud")).toBe(first);
    for (const other of [
      { ...member, authType: "tenant" as const },
      { ...member, tenantId: "tenant-2" },
      { ...member, familyId: "family-2" },
      { ...member, anonymous: true },
    ]) {
      expect(await identityAssertion(deps, other, "aud")).not.toBe(first);
    }
  });
});
