import { beforeAll, describe, expect, it } from "vitest";
import { replaceTenantSettings } from "../../src/services/token-exchange/tenant-settings";
import type { TenantSettingsValues } from "../../src/storage/tenant-settings";
import { testDeps } from "../support/deps";
import { FakeIdentityProvider } from "../support/identity-provider";
import { claimsOf, familyRows, type TokenPair, tenantFootprint } from "../support/pers";
import { createTenant, type TestTenant } from "../support/tenants";
import { signedInUser } from "../support/tokens";
import { send, sendJson } from "../support/worker";

/** A browser app of tenant `listed`, which names its own origins. */
const APP = "https://app.example.com";
/** The deployment's global default, for tenants without a list of their own. */
const DEFAULT = "https://default.example.com";
const EVIL = "https://evil.example";
const VARS = { PERS_CORS_ALLOWED_ORIGINS: DEFAULT };
const PATHS = ["/v2/auth/token", "/v2/auth/refresh", "/v2/auth/verify"];

function post(tenant: TestTenant | null, path: string, body: unknown, origin?: string) {
  return sendJson(
    path,
    "POST",
    body,
    { ...(tenant ? { "x-project-key": tenant.projectKey } : {}), ...(origin ? { Origin: origin } : {}) },
    VARS,
  );
}

function preflight(path: string, origin: string) {
  return send(
    path,
    {
      method: "OPTIONS",
      headers: {
        Origin: origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,x-api-key,x-project-key",
      },
    },
    VARS,
  );
}

function corsHeadersOf(res: Response): string[] {
  return [...res.headers.keys()].filter((name) => name.startsWith("access-control-"));
}

async function withSettings(tenant: TestTenant, settings: Partial<TenantSettingsValues>) {
  const deps = (await testDeps()).at(Date.now());
  const actor = {
    principal: { method: "jwt", userPublicId: "test-admin", userType: "adminuser", sessionId: "t" },
  } as const;
  await replaceTenantSettings(
    deps,
    actor,
    { id: tenant.tenantId, publicId: tenant.tenantPublicId },
    {
      allowJwtForUnauthenticatedUsers: true,
      enabledAuthTypes: [],
      adminIdentities: [],
      allowedOrigins: null,
      ...settings,
    },
  );
}

async function anonymousSession(tenant: TestTenant): Promise<TokenPair> {
  const res = await post(tenant, "/v2/auth/token", { rawLoginData: { trial: true } });
  expect(res.status).toBe(200);
  return res.json<TokenPair>();
}

let listed: TestTenant;
let unlisted: TestTenant;
let closed: TestTenant;
beforeAll(async () => {
  [listed, unlisted, closed] = await Promise.all([createTenant("Listed"), createTenant("Unlisted"), createTenant()]);
  await withSettings(listed, { allowedOrigins: [APP] });
  await withSettings(unlisted, {});
  await withSettings(closed, { allowedOrigins: [] });
});

describe("PERS preflights", () => {
  it("are answered for a tenant's origin: POST, the project-key headers, no credentials, Vary: Origin", async () => {
    for (const path of PATHS) {
      const res = await preflight(path, APP);
      expect(res.status, path).toBe(204);
      expect(res.headers.get("access-control-allow-origin")).toBe(APP);
      expect(res.headers.get("access-control-allow-methods")).toBe("POST, OPTIONS");
      const allowed = (res.headers.get("access-control-allow-headers") ?? "").toLowerCase().split(/\s*,\s*/);
      expect(allowed).toEqual(expect.arrayContaining(["content-type", "x-api-key", "x-project-key"]));
      expect(res.headers.get("access-control-allow-credentials")).toBeNull();
      expect(res.headers.get("vary")).toMatch(/\bOrigin\b/);
      expect(res.headers.get("set-cookie")).toBeNull();
    }
  });

  it("are answered for the global default's origins", async () => {
    const res = await preflight("/v2/auth/token", DEFAULT);
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe(DEFAULT);
  });

  it("from any other origin get no Access-Control-* header at all", async () => {
    for (const origin of [EVIL, "null", `${APP}:8443`, "http://app.example.com", APP.toUpperCase()]) {
      const res = await preflight("/v2/auth/token", origin);
      expect(res.status, origin).toBe(204);
      expect(corsHeadersOf(res), origin).toEqual([]);
    }
  });
});

describe("PERS requests from a browser", () => {
  it("exchange, refresh and verify from an allowed origin carry Access-Control-Allow-Origin", async () => {
    const exchanged = await post(listed, "/v2/auth/token", { rawLoginData: { from: "browser" } }, APP);
    expect(exchanged.status).toBe(200);
    expect(exchanged.headers.get("access-control-allow-origin")).toBe(APP);
    const pair = await exchanged.json<TokenPair>();

    const refreshed = await post(listed, "/v2/auth/refresh", { refreshToken: pair.refreshToken }, APP);
    expect(refreshed.status).toBe(200);
    expect(refreshed.headers.get("access-control-allow-origin")).toBe(APP);
    const next = await refreshed.json<TokenPair>();

    const verified = await post(listed, "/v2/auth/verify", { authToken: next.accessToken }, APP);
    expect(verified.status).toBe(200);
    expect(await verified.json()).toMatchObject({ valid: true });
    for (const res of [exchanged, refreshed, verified]) {
      expect(res.headers.get("access-control-allow-credentials")).toBeNull();
      expect(res.headers.get("access-control-expose-headers")).toMatch(/Retry-After/);
      expect(res.headers.get("vary")).toMatch(/\bOrigin\b/);
    }
  });

  it("an exchange of an identity token works from the page too", async () => {
    const idp = await FakeIdentityProvider.create({ alg: "ES256" });
    await idp.trustedBy(listed);
    const res = await post(listed, "/v2/auth/token", { authToken: await idp.token("browser-user") }, APP);
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe(APP);
  });

  it("a refusal the page must handle (a spent refresh token) is readable by it", async () => {
    const res = await post(listed, "/v2/auth/refresh", { refreshToken: "not-a-token" }, APP);
    expect(res.status).toBe(401);
    expect(res.headers.get("access-control-allow-origin")).toBe(APP);
  });

  it("from an origin the tenant does not allow is refused 403 and changes nothing", async () => {
    const pair = await anonymousSession(listed);
    const before = await tenantFootprint(listed);
    // DEFAULT is the global default, but this tenant named its own list.
    for (const origin of [EVIL, DEFAULT, "null"]) {
      const exchanged = await post(listed, "/v2/auth/token", { rawLoginData: { trial: true } }, origin);
      const refreshed = await post(listed, "/v2/auth/refresh", { refreshToken: pair.refreshToken }, origin);
      const verified = await post(listed, "/v2/auth/verify", { authToken: pair.accessToken }, origin);
      for (const res of [exchanged, refreshed, verified]) {
        expect(res.status, origin).toBe(403);
        expect(res.headers.get("content-type")).toMatch(/^application\/json/);
        expect(await res.json()).toEqual({
          error: "insufficient_permission",
          message: "You do not have permission to do this.",
          reason: "origin_not_allowed",
        });
        expect(corsHeadersOf(res)).toEqual([]);
      }
    }
    expect(await tenantFootprint(listed)).toEqual(before);
    // The refresh token was not spent: it is still active, and its owner's next refresh rotates it.
    const { jti, family_id } = claimsOf(pair.refreshToken);
    expect((await familyRows(family_id)).find((row) => row.id === jti)?.status).toBe("active");
    expect((await post(listed, "/v2/auth/refresh", { refreshToken: pair.refreshToken }, APP)).status).toBe(200);
  });

  it("a tenant without a list of its own follows the global default", async () => {
    const ok = await post(unlisted, "/v2/auth/token", { rawLoginData: { trial: true } }, DEFAULT);
    expect(ok.status).toBe(200);
    expect(ok.headers.get("access-control-allow-origin")).toBe(DEFAULT);
    // APP's preflight is answered (another tenant lists it), but this tenant does not allow it.
    expect((await preflight("/v2/auth/token", APP)).headers.get("access-control-allow-origin")).toBe(APP);
    const refused = await post(unlisted, "/v2/auth/token", { rawLoginData: { trial: true } }, APP);
    expect(refused.status).toBe(403);
    expect(corsHeadersOf(refused)).toEqual([]);
  });

  it("a tenant with an empty list lets no page in", async () => {
    const res = await post(closed, "/v2/auth/token", { rawLoginData: { trial: true } }, DEFAULT);
    expect(res.status).toBe(403);
  });

  it("a request without Origin (a server) is unaffected and gets no CORS header", async () => {
    for (const tenant of [listed, unlisted, closed]) {
      const res = await post(tenant, "/v2/auth/token", { rawLoginData: { trial: true } });
      expect(res.status).toBe(200);
      expect(corsHeadersOf(res)).toEqual([]);
    }
  });

  it("an answer given before a tenant is named is readable only by origins a preflight would allow", async () => {
    const fromApp = await post(null, "/v2/auth/token", { rawLoginData: {} }, APP);
    expect(fromApp.status).toBe(401);
    expect(await fromApp.json()).toMatchObject({ error: "missing_project_key" });
    expect(fromApp.headers.get("access-control-allow-origin")).toBe(APP);
    const fromEvil = await post(null, "/v2/auth/token", { rawLoginData: {} }, EVIL);
    expect(fromEvil.status).toBe(401);
    expect(corsHeadersOf(fromEvil)).toEqual([]);
  });
});

describe("a tenant's allowedOrigins in the admin API", () => {
  let admin: Record<string, string>;
  beforeAll(async () => {
    admin = (await signedInUser("adminuser")).headers;
  });

  const settingsPath = (tenant: TestTenant) => `/v1/admin/tenants/${tenant.tenantPublicId}/settings`;
  // PATCH: these tests change one setting at a time.
  const patchSettings = (tenant: TestTenant, body: unknown) => sendJson(settingsPath(tenant), "PATCH", body, admin);

  it("is saved (deduplicated), read back, takes effect at once, and null restores the default", async () => {
    const tenant = await createTenant();
    const saved = await patchSettings(tenant, {
      allowJWTForUnauthenticatedUsers: true,
      allowedOrigins: ["https://shop.example.com", "http://localhost:5173", "https://shop.example.com"],
    });
    expect(saved.status).toBe(200);
    const { settings } = await saved.json<{ settings: Record<string, unknown> }>();
    expect(settings.allowedOrigins).toEqual(["https://shop.example.com", "http://localhost:5173"]);
    const read = await send(settingsPath(tenant), { headers: admin });
    expect((await read.json<{ settings: unknown }>()).settings).toEqual(settings);

    const fromShop = await post(
      tenant,
      "/v2/auth/token",
      { rawLoginData: { trial: true } },
      "https://shop.example.com",
    );
    expect(fromShop.headers.get("access-control-allow-origin")).toBe("https://shop.example.com");
    expect((await preflight("/v2/auth/verify", "https://shop.example.com")).status).toBe(204);

    const reset = await patchSettings(tenant, { allowedOrigins: null });
    expect((await reset.json<{ settings: Record<string, unknown> }>()).settings.allowedOrigins).toBeNull();
    expect((await post(tenant, "/v2/auth/token", { rawLoginData: {} }, "https://shop.example.com")).status).toBe(403);
    expect((await post(tenant, "/v2/auth/token", { rawLoginData: {} }, DEFAULT)).status).toBe(200);
  });

  it("refuses anything but a list of exact origins with 400 and keeps the old settings", async () => {
    const tenant = await createTenant();
    expect((await patchSettings(tenant, { allowedOrigins: [APP] })).status).toBe(200);
    const bad: unknown[] = [
      ["*"],
      ["https://*.example.com"],
      [`${APP}/`],
      [`${APP}/path`],
      ["app.example.com"],
      ["https://App.Example.com"],
      ["https://app.example.com:443"],
      ["null"],
      [""],
      [42],
      APP,
      `${APP},${DEFAULT}`,
      Array.from({ length: 21 }, (_, i) => `https://a${i}.example.com`),
      [`https://${"a".repeat(300)}.example.com`],
    ];
    for (const allowedOrigins of bad) {
      const res = await patchSettings(tenant, { allowedOrigins });
      expect(res.status, JSON.stringify(allowedOrigins)).toBe(400);
      expect(await res.json()).toMatchObject({ result: "error", code: "invalid_request" });
    }
    const read = await send(settingsPath(tenant), { headers: admin });
    expect((await read.json<{ settings: { allowedOrigins: unknown } }>()).settings.allowedOrigins).toEqual([APP]);
  });
});
