import { env } from "cloudflare:workers";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { openDatabase } from "../../src/storage/db";
import { auditEvents } from "../../src/storage/schema";
import { randomClientIp } from "../support/client-ip";
import type { FakeIdentityProvider } from "../support/identity-provider";
import { claimsOf, familyRows, type TokenPair, tenantFootprint } from "../support/pers";
import { tenantTrustingProvider } from "../support/pers-session";
import { hammerUntilLimited, LIMITS } from "../support/rate-limits";
import { createTenant, type TestTenant } from "../support/tenants";
import { sendJson } from "../support/worker";

/**
 * Abuse of PERS (`/v2/auth/*`) from one place slows that place down, never anyone else; replaying
 * a rotated refresh token leaves a trace. Requests go through `sendJson`, which waits for what the
 * worker deferred with `waitUntil` (the audit rows), so the rows can be read right after.
 */

const RATE_LIMITED = { error: "rate_limited", message: "Too many requests. Try again later." };

function exchangeFrom(ip: string, tenant: TestTenant, body: unknown, headers: Record<string, string> = {}) {
  return sendJson("/v2/auth/token", "POST", body, {
    "X-API-Key": tenant.projectKey,
    "CF-Connecting-IP": ip,
    ...headers,
  });
}

function refreshFrom(ip: string, tenant: TestTenant, refreshToken: string, headers: Record<string, string> = {}) {
  return sendJson(
    "/v2/auth/refresh",
    "POST",
    { refreshToken },
    { "x-project-key": tenant.projectKey, "CF-Connecting-IP": ip, ...headers },
  );
}

async function newSession(tenant: TestTenant, idp: FakeIdentityProvider): Promise<TokenPair> {
  const res = await exchangeFrom(randomClientIp(), tenant, { authToken: await idp.token(`u-${crypto.randomUUID()}`) });
  expect(res.status, await res.clone().text()).toBe(200);
  return res.json<TokenPair>();
}

async function expectPersRateLimited(res: Response) {
  expect(res.status).toBe(429);
  expect(res.headers.get("Retry-After")).toBe("60");
  expect(res.headers.get("Content-Type")).toMatch(/^application\/json/);
  expect(await res.json()).toEqual(RATE_LIMITED);
}

function auditRows(action: string, target: string) {
  return openDatabase(env.DB)
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.action, action), eq(auditEvents.target, target)));
}

describe("PERS token exchange under abuse", () => {
  it("one IP exchanging token after token is stopped with a PERS 429, and the refused exchange writes nothing", async () => {
    const { idp, tenant } = await tenantTrustingProvider({ alg: "ES256" });
    const ip = randomClientIp();
    const { limited } = await hammerUntilLimited(LIMITS.tokenExchangeIp, async (i) =>
      exchangeFrom(ip, tenant, { authToken: await idp.token(`bulk-${i}`) }),
    );
    await expectPersRateLimited(limited);

    // Refused before the project key or the token is even looked at: nothing is created.
    const before = await tenantFootprint(tenant);
    const refused = await exchangeFrom(ip, tenant, { authToken: await idp.token("one-more") });
    await expectPersRateLimited(refused);
    expect(await tenantFootprint(tenant)).toEqual(before);

    // Another client of the same tenant is not affected.
    expect((await exchangeFrom(randomClientIp(), tenant, { authToken: await idp.token("elsewhere") })).status).toBe(
      200,
    );
  });

  it("one IP spraying forged identity tokens at many tenants is limited the same way", async () => {
    const ip = randomClientIp();
    const tenant = await createTenant();
    const { limited } = await hammerUntilLimited(LIMITS.tokenExchangeIp, (i) =>
      exchangeFrom(ip, tenant, { authToken: `forged.${i}.token` }),
    );
    await expectPersRateLimited(limited);
    expect(await tenantFootprint(tenant)).toEqual({ tenantUsers: 0, identities: 0, refreshTokens: 0 });
  });

  it("a successful exchange is audited as a login of the token_exchange flow", async () => {
    const { idp, tenant } = await tenantTrustingProvider({ alg: "ES256" });
    const res = await exchangeFrom(
      randomClientIp(),
      tenant,
      { authToken: await idp.token("audited") },
      { "User-Agent": "pers-abuse/1.0" },
    );
    expect(res.status).toBe(200);
    const user = claimsOf((await res.json<TokenPair>()).accessToken).sub;
    const rows = await auditRows("auth.login", user);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      action: "auth.login",
      actorType: "anonymous",
      tenant: tenant.tenantPublicId,
      target: user,
      details: { flow: "token_exchange", auth_type: "user", issuer: idp.issuer },
    });
  });

  it("a refused exchange is not audited as a login", async () => {
    const { idp, tenant } = await tenantTrustingProvider({ alg: "ES256" });
    const res = await exchangeFrom(randomClientIp(), tenant, {
      authToken: await idp.token("late", {}, { expiresIn: -3600 }),
    });
    expect(res.status).toBe(401);
    const rows = await openDatabase(env.DB)
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.tenant, tenant.tenantPublicId));
    expect(rows).toEqual([]);
  });
});

describe("PERS refresh under abuse", () => {
  it("one IP replaying garbage refresh tokens is stopped, while a real client elsewhere still refreshes", async () => {
    const { idp, tenant } = await tenantTrustingProvider({ alg: "ES256" });
    const pair = await newSession(tenant, idp);
    const ip = randomClientIp();
    const { limited } = await hammerUntilLimited(LIMITS.refreshIp, (i) => refreshFrom(ip, tenant, `not.a.token${i}`));
    await expectPersRateLimited(limited);

    // Over the limit even a good token from that IP is refused, and not rotated.
    const family = claimsOf(pair.refreshToken).family_id;
    await expectPersRateLimited(await refreshFrom(ip, tenant, pair.refreshToken));
    expect((await familyRows(family)).map((row) => row.status)).toEqual(["active"]);

    expect((await refreshFrom(randomClientIp(), tenant, pair.refreshToken)).status).toBe(200);
  });

  it("one family refreshed over and over is stopped wherever the requests come from; another family is not", async () => {
    const { idp, tenant } = await tenantTrustingProvider({ alg: "ES256" });
    let current = (await newSession(tenant, idp)).refreshToken;
    const family = claimsOf(current).family_id;
    const { limited, allowed } = await hammerUntilLimited(LIMITS.refreshSession, async () => {
      const res = await refreshFrom(randomClientIp(), tenant, current);
      if (res.status === 200) current = (await res.clone().json<TokenPair>()).refreshToken;
      return res;
    });
    await expectPersRateLimited(limited);

    // The refused refresh rotated nothing: the family has one active token, the newest one.
    const rows = await familyRows(family);
    expect(rows).toHaveLength(allowed + 1);
    expect(rows.filter((row) => row.status === "active").map((row) => row.id)).toEqual([claimsOf(current).jti]);

    const other = await newSession(tenant, idp);
    expect((await refreshFrom(randomClientIp(), tenant, other.refreshToken)).status).toBe(200);
  });

  it("a forged refresh token does not spend a family's budget", async () => {
    const { idp, tenant } = await tenantTrustingProvider({ alg: "ES256" });
    const pair = await newSession(tenant, idp);
    const [header, payload, signature = ""] = pair.refreshToken.split(".");
    const forged = `${header}.${payload}.${signature.slice(0, -4)}AAAA`;
    for (let i = 0; i <= 2 * LIMITS.refreshSession; i++) {
      expect((await refreshFrom(randomClientIp(), tenant, forged)).status).toBe(401);
    }
    expect((await refreshFrom(randomClientIp(), tenant, pair.refreshToken)).status).toBe(200);
  });
});

describe("PERS refresh token reuse", () => {
  async function replayedFamily() {
    const { idp, tenant } = await tenantTrustingProvider({ alg: "ES256" });
    const first = await newSession(tenant, idp);
    const second = await (await refreshFrom(randomClientIp(), tenant, first.refreshToken)).json<TokenPair>();
    // The child is used too, so presenting `first` again is a replay, not the grace case.
    expect((await refreshFrom(randomClientIp(), tenant, second.refreshToken)).status).toBe(200);
    return { tenant, first, claims: claimsOf(first.refreshToken) };
  }

  it("writes one auth.refresh_reuse_detected row naming the tenant, the user and the family", async () => {
    const { tenant, first, claims } = await replayedFamily();
    const replay = await refreshFrom(randomClientIp(), tenant, first.refreshToken);
    expect(replay.status).toBe(401);
    expect(await replay.json()).toMatchObject({ error: "invalid_token", reason: "reused" });

    const rows = await auditRows("auth.refresh_reuse_detected", claims.sub);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      actorType: "anonymous",
      tenant: tenant.tenantPublicId,
      target: claims.sub,
      details: { family_id: claims.family_id, auth_type: "user" },
    });

    // Replaying again meets a revoked family: refused, and not reported as a second reuse.
    const again = await refreshFrom(randomClientIp(), tenant, first.refreshToken);
    expect(again.status).toBe(401);
    expect(await auditRows("auth.refresh_reuse_detected", claims.sub)).toHaveLength(1);
  });

  it("a refresh within the grace window is no reuse and is not audited as one", async () => {
    const { idp, tenant } = await tenantTrustingProvider({ alg: "ES256" });
    const first = await newSession(tenant, idp);
    expect((await refreshFrom(randomClientIp(), tenant, first.refreshToken)).status).toBe(200);
    expect((await refreshFrom(randomClientIp(), tenant, first.refreshToken)).status).toBe(200);
    expect(await auditRows("auth.refresh_reuse_detected", claimsOf(first.refreshToken).sub)).toEqual([]);
  });

  it("the reuse and login rows say where the request came from (IP and user agent)", async () => {
    const { tenant, first, claims } = await replayedFamily();
    const ip = randomClientIp();
    await refreshFrom(ip, tenant, first.refreshToken, { "User-Agent": "replayer/1.0" });
    const [reuse] = await auditRows("auth.refresh_reuse_detected", claims.sub);
    const [login] = await auditRows("auth.login", claims.sub);
    expect(reuse).toMatchObject({ ip, userAgent: "replayer/1.0" });
    expect(login).toMatchObject({ ip: expect.any(String) });
  });
});
