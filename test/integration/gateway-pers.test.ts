import { env } from "cloudflare:workers";
import { decodeJwt, decodeProtectedHeader, generateKeyPair, SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { signJwt } from "../../src/crypto/jwt";
import { loadSigningKeys } from "../../src/crypto/signing-keys";
import { TOKEN_TYPES } from "../../src/services/sessions/session-tokens";
import { issuePersAccessToken, PERS_TOKEN_TYPES } from "../../src/services/token-exchange/pers-tokens";
import { createUser } from "../support/accounts";
import { sendAs } from "../support/api-keys";
import { testDeps } from "../support/deps";
import { FakeIdentityProvider } from "../support/identity-provider";
import { type Echo, verifyAsOrigin } from "../support/origins";
import { configureTenant, type TokenPair } from "../support/pers";
import { createTenant, type TestTenant } from "../support/tenants";
import { signedInUser } from "../support/tokens";
import { send, sendJson } from "../support/worker";

/**
 * PERS access tokens as a gateway credential (routes `pers-*` of test/support/gateway-routes.json,
 * all in front of the demo origin): tokens come from real exchanges at `/v2/auth/token`.
 */

/** The tenant `pers-one-tenant` is limited to. */
const PARTNER_TENANT_ID = "00000000-0000-4000-8000-0000000000e1";

const INVALID = 'Bearer realm="gatehouse", error="invalid_token"';
const INSUFFICIENT = 'Bearer realm="gatehouse", error="insufficient_scope"';

type PersClaims = Record<string, unknown> & { sub: string; tenant_id: string; family_id: string; auth_type: string };

async function exchanged(tenant: TestTenant, body: Record<string, unknown>): Promise<TokenPair> {
  const res = await sendJson("/v2/auth/token", "POST", body, { "X-API-Key": tenant.projectKey });
  if (res.status !== 200) throw new Error(`exchange failed: ${res.status} ${await res.text()}`);
  return res.json();
}

function refreshed(tenant: TestTenant, refreshToken: string): Promise<Response> {
  return sendJson("/v2/auth/refresh", "POST", { refreshToken }, { "x-project-key": tenant.projectKey });
}

function withToken(path: string, token: string, headers: Record<string, string> = {}): Promise<Response> {
  return send(path, { headers: { Authorization: `Bearer ${token}`, ...headers } });
}

async function echoOf(res: Response): Promise<Echo> {
  const text = await res.text();
  if (res.status !== 200) throw new Error(`expected the origin's echo, got ${res.status}: ${text}`);
  return JSON.parse(text) as Echo;
}

async function expectRefused(res: Response, status: number, error: string, challenge: string, reason?: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get("Content-Type")).toBe("application/json");
  expect(res.headers.get("WWW-Authenticate")).toBe(challenge);
  const body = (await res.json()) as { error: string; reason?: string; upstream?: string };
  expect(body.error).toBe(error);
  expect(body.reason).toBe(reason);
  // The demo origin's echo names itself; a refusal never came from it.
  expect(body.upstream).toBeUndefined();
}

/** A fresh tenant moved to the public id the `pers-one-tenant` route names (before any lookup caches it). */
async function partnerTenant(): Promise<TestTenant> {
  const tenant = await createTenant("Loyalty Partner");
  await env.DB.batch([
    env.DB.prepare("UPDATE businesses SET public_id = ? WHERE public_id = ?").bind(
      crypto.randomUUID(),
      PARTNER_TENANT_ID,
    ),
    env.DB.prepare("UPDATE businesses SET public_id = ? WHERE id = ?").bind(PARTNER_TENANT_ID, tenant.tenantId),
  ]);
  return { ...tenant, tenantPublicId: PARTNER_TENANT_ID };
}

/** A Ping access token of a fresh `user`, with the headers a Ping client sends it with. */
async function pingBearer(): Promise<{ token: string; headers: Record<string, string> }> {
  const user = await createUser({ userType: "user" });
  const res = await sendJson(
    "/v1/auth/login",
    "POST",
    { email: user.email, password: user.password },
    { "User-Type": "user" },
  );
  if (res.status !== 200) throw new Error(`login failed: ${res.status}`);
  const { accessToken } = (await res.json()) as { accessToken: string };
  return { token: accessToken, headers: { Authorization: `Bearer ${accessToken}`, "User-Type": "user" } };
}

function base64url(value: unknown): string {
  return btoa(JSON.stringify(value)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

let idp: FakeIdentityProvider;
let tenant: TestTenant;

beforeAll(async () => {
  idp = await FakeIdentityProvider.create({ alg: "ES256" });
  tenant = await createTenant("Loyalty Co");
  await idp.trustedBy(tenant);
  // Before any exchange, so no isolate has the settings cached yet.
  await configureTenant(tenant, { enabledAuthTypes: ["business"], allowJwtForUnauthenticatedUsers: true });
});

const userToken = async (subject = `member-${crypto.randomUUID().slice(0, 8)}`) =>
  exchanged(tenant, { authToken: await idp.token(subject) });

describe("a PERS access token through the gateway", () => {
  it("reaches the origin, which learns the tenant user and nothing a client claimed for itself", async () => {
    const pair = await userToken();
    const claims = decodeJwt(pair.accessToken) as PersClaims;
    const res = await withToken("/v1/loyalty/points?limit=5", pair.accessToken, {
      "X-Auth-Tenant-Id": "00000000-0000-4000-8000-000000000001",
      x_auth_tenant_user_id: "someone-else",
      "X-AUTH-AUTH-TYPE": "tenant",
      "X-Auth-Anonymous": "false",
      "X-Auth-User-Id": "admin",
      "X-Auth-Assertion": "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9.",
      "X-Forwarded-User": "admin",
    });
    const echo = await echoOf(res);
    expect(echo).toMatchObject({ method: "GET", path: "/v1/loyalty/points", query: "?limit=5" });
    expect(echo.headers).toMatchObject({
      "x-auth-method": "pers",
      "x-auth-tenant-id": tenant.tenantPublicId,
      "x-auth-tenant-user-id": claims.sub,
      "x-auth-auth-type": "user",
      "x-auth-session-id": claims.family_id,
      "x-auth-anonymous": "false",
      // The test tenant's project key is a test key, and its sessions are test sessions.
      "x-auth-mode": "test",
      "x-request-id": res.headers.get("X-Request-Id"),
    });
    for (const name of [
      "authorization",
      "x-auth-user-id",
      "x-auth-user-type",
      "x-auth-key-id",
      "x-auth-permissions",
      "x_auth_tenant_user_id",
      "x-forwarded-user",
    ]) {
      expect(echo.headers[name], name).toBeUndefined();
    }

    const { payload } = await verifyAsOrigin(echo.headers["x-auth-assertion"] as string, "service:DEMO_UPSTREAM");
    expect(payload).toMatchObject({
      iss: env.ISSUER,
      sub: claims.sub,
      auth_method: "pers",
      tenant_id: tenant.tenantPublicId,
      tenant_user_id: claims.sub,
      auth_type: "user",
      session_id: claims.family_id,
      anonymous: false,
      mode: "test",
    });
    expect(payload.user_type).toBeUndefined();
  });

  it("of an anonymous user (rawLoginData) says so", async () => {
    const pair = await exchanged(tenant, { rawLoginData: { cart: "42" } });
    const echo = await echoOf(await withToken("/v1/loyalty/cart", pair.accessToken));
    expect(echo.headers["x-auth-anonymous"]).toBe("true");
    const { payload } = await verifyAsOrigin(echo.headers["x-auth-assertion"] as string, "service:DEMO_UPSTREAM");
    expect(payload.anonymous).toBe(true);
  });

  it("passes a POST body through unchanged", async () => {
    const pair = await userToken();
    const body = JSON.stringify({ redeem: 100 });
    const res = await send("/v1/loyalty/redeem", {
      method: "POST",
      headers: { Authorization: `Bearer ${pair.accessToken}`, "Content-Type": "application/json" },
      body,
    });
    const echo = await echoOf(res);
    expect(echo.method).toBe("POST");
    expect(echo.bodyBytes).toBe(body.length);
  });
});

describe("a PERS session's mode is its project key's", () => {
  it.each(["test", "live"] as const)("a %s key's sessions are %s sessions, through refresh too", async (mode) => {
    const idp = await FakeIdentityProvider.create();
    const tenant = await createTenant("Mode Tenant", mode);
    await idp.trustedBy(tenant);
    const pair = await exchanged(tenant, { authToken: await idp.token("mia") });
    const rotated = (await (await refreshed(tenant, pair.refreshToken)).json()) as TokenPair;
    for (const token of [pair.accessToken, rotated.accessToken]) {
      expect(decodeJwt(token).mode).toBe(mode === "test" ? "test" : undefined);
      const echo = await echoOf(await withToken("/v1/loyalty-sandboxed/orders", token));
      // A test session never reaches a live side effect: the sandbox, where the route has one.
      expect(echo.sandbox).toBe(mode === "test");
      expect(echo.headers["x-auth-mode"]).toBe(mode);
      const audience = mode === "test" ? "sandbox:service:DEMO_UPSTREAM" : "service:DEMO_UPSTREAM";
      const { payload } = await verifyAsOrigin(echo.headers["x-auth-assertion"] as string, audience);
      expect(payload).toMatchObject({ auth_method: "pers", mode });
    }
  });

  it("a liveOnly route refuses a test session (403) and lets a live one through", async () => {
    for (const mode of ["test", "live"] as const) {
      const idp = await FakeIdentityProvider.create();
      const tenant = await createTenant("Live Only Tenant", mode);
      await idp.trustedBy(tenant);
      const { accessToken } = await exchanged(tenant, { authToken: await idp.token("liv") });
      const res = await withToken("/v1/loyalty-live/orders", accessToken);
      if (mode === "live") expect((await echoOf(res)).headers["x-auth-mode"]).toBe("live");
      else await expectRefused(res, 403, "insufficient_permission", INSUFFICIENT, "test_session_not_allowed");
    }
  });

  it("a token claiming a mode other than test is refused", async () => {
    const tenant = await createTenant();
    const deps = (await testDeps()).at(new Date());
    const forged = await signJwt(
      deps.keys,
      { tenant_id: tenant.tenantPublicId, auth_type: "user", family_id: "family-x", mode: "live" },
      {
        typ: PERS_TOKEN_TYPES.access,
        issuer: deps.config.issuer,
        audience: deps.config.persAudience,
        ttlSeconds: 300,
        now: deps.now,
        jti: crypto.randomUUID(),
        subject: "someone",
      },
    );
    await expectRefused(await withToken("/v1/loyalty-sandboxed/orders", forged), 401, "invalid_token", INVALID);
  });
});

describe("PERS tokens the gateway refuses (401, Bearer challenge)", () => {
  it("a refresh token, always: it is only ever sent to /v2/auth/refresh", async () => {
    const pair = await userToken();
    expect(decodeProtectedHeader(pair.refreshToken).typ).toBe(PERS_TOKEN_TYPES.refresh);
    await expectRefused(await withToken("/v1/loyalty/points", pair.refreshToken), 401, "invalid_token", INVALID);
    await expectRefused(await withToken("/v1/loyalty-mixed/x", pair.refreshToken), 401, "invalid_token", INVALID);
  });

  it("an access token of a revoked family, at once in the isolate that revoked it", async () => {
    const pair = await userToken();
    // Seen live first, so the family's liveness is in this isolate's cache.
    expect((await withToken("/v1/loyalty/points", pair.accessToken)).status).toBe(200);

    // Reuse of a rotated refresh token (after its child was used) revokes the whole family.
    const second = (await (await refreshed(tenant, pair.refreshToken)).json()) as TokenPair;
    const third = (await (await refreshed(tenant, second.refreshToken)).json()) as TokenPair;
    const fourth = (await (await refreshed(tenant, third.refreshToken)).json()) as TokenPair;
    expect((await withToken("/v1/loyalty/points", fourth.accessToken)).status).toBe(200);
    const replay = await refreshed(tenant, second.refreshToken);
    expect(replay.status).toBe(401);
    expect(await replay.json()).toMatchObject({ reason: "reused" });

    for (const token of [pair.accessToken, fourth.accessToken]) {
      await expectRefused(await withToken("/v1/loyalty/points", token), 401, "session_revoked", INVALID);
    }
  });

  it("an expired access token", async () => {
    const { accessToken } = await userToken();
    const claims = decodeJwt(accessToken) as PersClaims;
    // Issued by Gatehouse itself for a live family, an hour ago: only its `exp` is wrong.
    const expired = await issuePersAccessToken((await testDeps()).at(Date.now() - 3600_000), {
      tenantPublicId: claims.tenant_id,
      tenantUserPublicId: claims.sub,
      authType: "user",
      familyId: claims.family_id,
      anonymous: false,
      mode: "live",
      authTime: Math.floor(Date.now() / 1000),
    });
    await expectRefused(await withToken("/v1/loyalty/points", expired), 401, "invalid_token", INVALID);
  });

  it("forged, re-addressed or unsigned tokens", async () => {
    const { accessToken } = await userToken();
    const claims = decodeJwt(accessToken) as PersClaims;
    const keys = await loadSigningKeys(env.SIGNING_KEYS);
    const own = { tenant_id: claims.tenant_id, auth_type: "user", family_id: claims.family_id };
    const sign = (overrides: { issuer?: string; audience?: string; typ?: string }) =>
      signJwt(keys, own, {
        typ: overrides.typ ?? PERS_TOKEN_TYPES.access,
        issuer: overrides.issuer ?? env.ISSUER,
        audience: overrides.audience ?? env.PERS_AUDIENCE,
        ttlSeconds: 300,
        now: new Date(),
        jti: crypto.randomUUID(),
        subject: claims.sub,
      });
    const attacker = await generateKeyPair("ES256");
    const [header, payload, signature] = accessToken.split(".") as [string, string, string];
    const flipped = `${signature.slice(0, -2)}${signature.endsWith("AA") ? "BB" : "AA"}`;
    const forged: Record<string, string> = {
      "another audience (a Ping token's)": await sign({ audience: env.TOKEN_AUDIENCE }),
      "another issuer": await sign({ issuer: "https://evil.example" }),
      "a Ping token's typ": await sign({ typ: TOKEN_TYPES.access }),
      "a tampered signature": `${header}.${payload}.${flipped}`,
      "another tenant claimed in the payload": `${header}.${base64url({ ...decodeJwt(accessToken), tenant_id: PARTNER_TENANT_ID })}.${signature}`,
      "alg none": `${base64url({ alg: "none", typ: PERS_TOKEN_TYPES.access })}.${payload}.`,
      "signed by another key under our kid": await new SignJWT({ ...decodeJwt(accessToken) })
        .setProtectedHeader({ alg: "ES256", kid: decodeProtectedHeader(accessToken).kid, typ: PERS_TOKEN_TYPES.access })
        .sign(attacker.privateKey),
    };
    for (const [name, token] of Object.entries(forged)) {
      const res = await withToken("/v1/loyalty/points", token);
      expect(res.status, name).toBe(401);
      await expectRefused(res, 401, "invalid_token", INVALID);
    }
  });

  it("a Ping access token on a PERS-only route", async () => {
    const ping = await pingBearer();
    await expectRefused(await send("/v1/loyalty/points", { headers: ping.headers }), 401, "invalid_token", INVALID);
  });

  it("a PERS access token on a route for Ping tokens only, even with a User-Type", async () => {
    const { accessToken } = await userToken();
    const res = await withToken("/v1/get/me", accessToken, { "User-Type": "user" });
    await expectRefused(res, 401, "invalid_token", INVALID);
  });

  it("no credential, or one that does not travel in Authorization", async () => {
    await expectRefused(await send("/v1/loyalty/points"), 401, "missing_credentials", 'Bearer realm="gatehouse"');
    const res = await send("/v1/loyalty/points", { headers: { "X-Ping-Api-Key": tenant.secretKey } });
    await expectRefused(res, 401, "missing_credentials", 'Bearer realm="gatehouse"', "credential_not_accepted");
  });
});

describe("routes limited to tenants or auth types (403 insufficient_permission)", () => {
  it("refuses another tenant's token on a tenant-limited route, and lets the named tenant through", async () => {
    await expectRefused(
      await withToken("/v1/loyalty-partner/offers", (await userToken()).accessToken),
      403,
      "insufficient_permission",
      INSUFFICIENT,
      "tenant_not_allowed",
    );

    const partner = await partnerTenant();
    const partnerIdp = await FakeIdentityProvider.create({ alg: "ES256" });
    await partnerIdp.trustedBy(partner);
    const pair = await exchanged(partner, { authToken: await partnerIdp.token("partner-member") });
    const echo = await echoOf(await withToken("/v1/loyalty-partner/offers", pair.accessToken));
    expect(echo.headers["x-auth-tenant-id"]).toBe(PARTNER_TENANT_ID);
    // The route states its own audience.
    const { payload } = await verifyAsOrigin(echo.headers["x-auth-assertion"] as string, "https://partner.internal");
    expect(payload.tenant_id).toBe(PARTNER_TENANT_ID);
  });

  it("refuses an auth type the route does not list", async () => {
    const business = await exchanged(tenant, { authToken: await idp.token("shop-1"), authType: "business" });
    expect((decodeJwt(business.accessToken) as PersClaims).auth_type).toBe("business");
    await expectRefused(
      await withToken("/v1/loyalty-users/me", business.accessToken),
      403,
      "insufficient_permission",
      INSUFFICIENT,
      "auth_type_not_allowed",
    );
    // The same tenant's user token passes; the business token passes where every auth type may.
    expect((await withToken("/v1/loyalty-users/me", (await userToken()).accessToken)).status).toBe(200);
    const echo = await echoOf(await withToken("/v1/loyalty/points", business.accessToken));
    expect(echo.headers["x-auth-auth-type"]).toBe("business");
  });
});

describe("a route accepting both Ping and PERS access tokens", () => {
  it("tells them apart by typ and forwards each as what it is", async () => {
    const pers = await userToken();
    const persEcho = await echoOf(await withToken("/v1/loyalty-mixed/x", pers.accessToken));
    expect(persEcho.headers["x-auth-method"]).toBe("pers");

    const ping = await pingBearer();
    const pingEcho = await echoOf(await send("/v1/loyalty-mixed/x", { headers: ping.headers }));
    expect(pingEcho.headers["x-auth-method"]).toBe("jwt");
    expect(pingEcho.headers["x-auth-tenant-user-id"]).toBeUndefined();
  });

  it("a Ping token relabelled as a PERS token fails its signature", async () => {
    const ping = await pingBearer();
    const [, payload, signature] = ping.token.split(".") as [string, string, string];
    const relabelled = `${base64url({ ...decodeProtectedHeader(ping.token), typ: PERS_TOKEN_TYPES.access })}.${payload}.${signature}`;
    await expectRefused(await withToken("/v1/loyalty-mixed/x", relabelled), 401, "invalid_token", INVALID);
  });
});

describe("a suspended tenant's PERS access tokens (401 session_revoked, reason tenant_suspended)", () => {
  it("stop at the gateway when an admin suspends the tenant, and work again once it is reinstated", async () => {
    const admin = await signedInUser("adminuser");
    const suspendable = await createTenant("Suspendable Co");
    await idp.trustedBy(suspendable);
    const pair = await exchanged(suspendable, { authToken: await idp.token("suspendable-member") });
    const bystander = await userToken();
    // Seen active first, so this isolate has the tenant's answer cached.
    expect((await withToken("/v1/loyalty/points", pair.accessToken)).status).toBe(200);

    const tenantPath = `/v1/admin/businesses/${suspendable.tenantPublicId}`;
    expect((await sendAs(admin, "PATCH", tenantPath, { status: "suspended" })).status).toBe(200);
    await expectRefused(
      await withToken("/v1/loyalty/points", pair.accessToken),
      401,
      "session_revoked",
      INVALID,
      "tenant_suspended",
    );
    // Another tenant's user is not affected.
    expect((await withToken("/v1/loyalty/points", bystander.accessToken)).status).toBe(200);

    expect((await sendAs(admin, "PATCH", tenantPath, { status: "verified" })).status).toBe(200);
    expect((await withToken("/v1/loyalty/points", pair.accessToken)).status).toBe(200);
  });

  it("renaming a tenant changes nothing for its tokens", async () => {
    const admin = await signedInUser("adminuser");
    const renamed = await createTenant("Renamed Co");
    await idp.trustedBy(renamed);
    const pair = await exchanged(renamed, { authToken: await idp.token("renamed-member") });
    const res = await sendAs(admin, "PATCH", `/v1/admin/businesses/${renamed.tenantPublicId}`, { name: "New Name" });
    expect(res.status).toBe(200);
    expect(await env.KV.get(`tenant-suspended:${renamed.tenantPublicId}`)).toBeNull();
    expect((await withToken("/v1/loyalty/points", pair.accessToken)).status).toBe(200);
  });
});
