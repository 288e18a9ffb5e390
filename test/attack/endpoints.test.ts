import { beforeAll, describe, expect, it } from "vitest";
import { send, sendJson } from "../support/worker";
import { type Fixtures, makeFixtures } from "./fixtures";
import { forgeToken, tamperSignature, unsignedToken } from "./forge";
import {
  gatewayApiKeyVariants,
  gatewayBearerVariants,
  gatewayCookieVariants,
  gatewayLiveOnlyVariants,
} from "./gateway-variants";
import { identityTokenVariants, persRefreshVariants, persVerifyVariants, projectKeyVariants } from "./pers-variants";
import { NO_CHANGES, snapshotStorage, storageChanges } from "./snapshot";
import {
  adminOnlyVariants,
  apiKeyVariants,
  bearerVariants,
  bodyVariants,
  cookieVariants,
  type Dialect,
  statusIn,
  type Variant,
} from "./variants";

/**
 * Every protected endpoint on this branch against the same generated bad requests: each gets a
 * clear 4xx, and afterwards every D1 table holds as many rows and KV the same keys as before.
 */

interface Endpoint {
  method: string;
  /** With `{business}`, `{key}`, `{session}` and `{bystander}` filled in from the fixtures. */
  path: string;
  dialect: Dialect;
  /** Headers of a valid request (the credential), which body variants keep. */
  valid: (f: Fixtures) => Record<string, string>;
  /** A body of the right shape, for routes that take one. */
  body?: (f: Fixtures) => Record<string, unknown>;
  variants: (f: Fixtures) => Promise<Variant[]> | Variant[];
}

const asUser = (f: Fixtures) => f.user.headers;
const asAdmin = (f: Fixtures) => f.admin.headers;
const withCookie = (f: Fixtures) => ({ Cookie: `session_token=${f.cookie}` });

function bearerEndpoint(method: string, path: string, body?: Endpoint["body"]): Endpoint {
  return { method, path, dialect: "ping", valid: asUser, body, variants: bearerVariants };
}

function adminEndpoint(method: string, path: string, body?: Endpoint["body"]): Endpoint {
  return {
    method,
    path,
    dialect: "ping",
    valid: asAdmin,
    body,
    variants: async (f) => [...(await bearerVariants(f)), ...adminOnlyVariants(f)],
  };
}

function cookieEndpoint(method: string, path: string): Endpoint {
  return { method, path, dialect: "pingpage", valid: withCookie, variants: cookieVariants };
}

async function refreshTokenVariants(f: Fixtures): Promise<Variant[]> {
  const now = Math.floor(Date.now() / 1000);
  const refresh = (refreshToken: unknown, userType = "user") => JSON.stringify({ refreshToken, userType });
  const asRefresh = { header: { typ: "rt+jwt" } };
  return [
    { name: "a tampered refresh token", body: refresh(tamperSignature(f.user.refreshToken)), status: 401 },
    { name: "an access token as refresh token", body: refresh(f.user.accessToken), status: 401 },
    { name: "alg none", body: refresh(unsignedToken(f.user)), status: 401 },
    {
      name: "an expired refresh token",
      body: refresh(await forgeToken(f.user, { ...asRefresh, claims: { iat: now - 7200, exp: now - 3600 } })),
      status: 401,
    },
    {
      name: "a refresh token from another issuer",
      body: refresh(await forgeToken(f.user, { ...asRefresh, claims: { iss: "https://attacker.example" } })),
      status: 401,
    },
    { name: "replayed after logout", body: refresh(f.loggedOut.refreshToken), status: 401 },
    { name: "claiming another user type", body: refresh(f.user.refreshToken, "agent"), status: 401 },
    { name: "a token longer than any we issue", body: refresh("a".repeat(5000)), status: 400 },
    { name: "a token that is not a string", body: refresh({ $gt: "" }), status: 400 },
    { name: "an oversized Cookie header", headers: { Cookie: "a".repeat(9 * 1024) }, status: 431 },
  ];
}

/** PERS: the project key names the tenant; every route gets the key variants and its own body variants. */
function persEndpoint(
  path: string,
  body: NonNullable<Endpoint["body"]>,
  bodyVariants: (f: Fixtures) => Promise<Variant[]> | Variant[],
): Endpoint {
  return {
    method: "POST",
    path,
    dialect: "pers",
    valid: (f) => ({ "X-API-Key": f.pers.tenant.projectKey }),
    body,
    variants: async (f) => [...(await projectKeyVariants(f)), ...(await bodyVariants(f))],
  };
}

/** A gateway route of test/support/gateway-routes.json; a refused request never reaches its origin. */
function gatewayEndpoint(method: string, path: string, variants: Endpoint["variants"]): Endpoint {
  return { method, path, dialect: "gateway", valid: () => ({}), variants };
}

const credentials = (email: string) => ({ email, password: "correct-horse-battery" });

const ENDPOINTS: Endpoint[] = [
  // Ping: bearer access token.
  bearerEndpoint("GET", "/v1/auth/session"),
  {
    ...bearerEndpoint("POST", "/v1/auth/logout"),
    // Without `Authorization` this path is PingPage's idempotent cookie logout (204), not a refusal.
    // And logout names a User-Type it does not know a 400, before looking at the token.
    variants: async (f) =>
      (await bearerVariants(f))
        .filter((v) => v.headers && "Authorization" in v.headers)
        .map((v) => (v.name === "an unknown User-Type" ? { ...v, status: 400 } : v)),
  },
  bearerEndpoint("GET", "/v1/api-keys?business_id={business}"),
  bearerEndpoint("POST", "/v1/api-keys", (f) => ({
    business_id: f.user.businessPublicId,
    name: "attack",
    kind: "secret",
    mode: "test",
    permissions: ["sms"],
  })),
  bearerEndpoint("GET", "/v1/api-keys/{key}"),
  bearerEndpoint("POST", "/v1/api-keys/{key}/roll"),
  bearerEndpoint("DELETE", "/v1/api-keys/{key}"),
  // Administration: adminuser tokens only.
  adminEndpoint("GET", "/v1/admin/api-keys"),
  adminEndpoint("DELETE", "/v1/admin/api-keys/{key}"),
  adminEndpoint("GET", "/v1/admin/audit-events"),
  adminEndpoint("GET", "/v1/admin/businesses"),
  adminEndpoint("POST", "/v1/admin/businesses", () => ({ name: "Attack Co" })),
  adminEndpoint("PATCH", "/v1/admin/businesses/{business}", () => ({ status: "suspended" })),
  adminEndpoint("GET", "/v1/admin/users"),
  adminEndpoint("POST", "/v1/admin/users", () => ({ email: "attack@example.com", user_type: "adminuser" })),
  adminEndpoint("POST", "/v1/admin/users/{bystander}/disable"),
  // PingPage: the session cookie.
  cookieEndpoint("GET", "/v1/me"),
  cookieEndpoint("GET", "/v1/me/sessions"),
  cookieEndpoint("DELETE", "/v1/me/sessions/{session}"),
  cookieEndpoint("DELETE", "/v1/me/sessions"),
  // API keys at the edge.
  { method: "GET", path: "/v1/auth/api-key", dialect: "gateway", valid: () => ({}), variants: apiKeyVariants },
  // The credential endpoints themselves: refresh tokens, and bodies before any password is checked.
  {
    method: "POST",
    path: "/v1/auth/refresh",
    dialect: "ping",
    valid: () => ({}),
    body: (f) => ({ refreshToken: f.user.refreshToken, userType: "user" }),
    variants: refreshTokenVariants,
  },
  {
    method: "POST",
    path: "/v1/auth/login",
    dialect: "ping",
    valid: () => ({ "User-Type": "user" }),
    body: () => credentials("attack@example.com"),
    variants: () => [
      {
        name: "a password longer than any we accept",
        body: JSON.stringify({ email: "a@example.com", password: "p".repeat(2000) }),
        status: 400,
      },
      {
        name: "an oversized Authorization header",
        headers: { "User-Type": "user", Authorization: "a".repeat(9 * 1024) },
        status: 431,
      },
    ],
  },
  {
    method: "POST",
    path: "/v1/auth/login",
    dialect: "pingpage",
    valid: () => ({}),
    body: () => credentials("attack@example.com"),
    variants: () => [
      {
        name: "an email longer than any address",
        body: JSON.stringify({ email: `${"a".repeat(400)}@example.com`, password: "x" }),
        status: 400,
      },
      { name: "an oversized Cookie header", headers: { Cookie: "a".repeat(9 * 1024) }, status: 431 },
    ],
  },
  {
    method: "POST",
    path: "/v1/auth/register",
    dialect: "pingpage",
    valid: () => ({}),
    body: () => ({ email: "attack@example.com", password: "long-enough-1", name: "Attack" }),
    variants: () => [
      {
        name: "a name with control characters",
        body: JSON.stringify({ email: "attack@example.com", password: "long-enough-1", name: "a\u0000b" }),
        status: 400,
      },
      {
        name: "a password past the maximum",
        body: JSON.stringify({ email: "attack@example.com", password: "p".repeat(129), name: "A" }),
        status: 400,
      },
    ],
  },
  // PERS token exchange: the project key, then the tokens in the body.
  persEndpoint("/v2/auth/token", (f) => ({ authToken: f.pers.identityToken }), identityTokenVariants),
  persEndpoint("/v2/auth/refresh", (f) => ({ refreshToken: f.pers.pair.refreshToken }), persRefreshVariants),
  persEndpoint("/v2/auth/verify", (f) => ({ authToken: f.pers.pair.accessToken }), persVerifyVariants),
  // The gateway: one route per credential kind.
  gatewayEndpoint("GET", "/v1/get/me", gatewayBearerVariants),
  gatewayEndpoint("POST", "/v1/notification/api/sms/send", gatewayApiKeyVariants),
  gatewayEndpoint("POST", "/v1/notification/api/bulk/send", gatewayLiveOnlyVariants),
  gatewayEndpoint("GET", "/dashboard/home", gatewayCookieVariants),
];

function pathFor(endpoint: Endpoint, f: Fixtures): string {
  return endpoint.path
    .replace("{business}", f.user.businessPublicId)
    .replace("{key}", f.apiKeyId)
    .replace("{session}", f.user.sessionId)
    .replace("{bystander}", f.bystanderPublicId);
}

function requestFor(endpoint: Endpoint, f: Fixtures, variant: Variant): RequestInit {
  const takesBody = endpoint.body !== undefined;
  const headers: Record<string, string> = { ...(variant.headers ?? endpoint.valid(f)) };
  let body: string | Uint8Array | undefined;
  if (variant.body !== undefined) body = variant.body;
  else if (takesBody) body = JSON.stringify(endpoint.body?.(f));
  if (body !== undefined) headers["Content-Type"] = variant.contentType ?? "application/json";
  return { method: endpoint.method, headers, ...(body !== undefined ? { body } : {}) };
}

let fixtures: Fixtures;
beforeAll(async () => {
  fixtures = await makeFixtures();
});

describe("the attack suite", () => {
  it("starts from credentials that work: each variant is refused for what it changed, not by accident", async () => {
    const f = fixtures;
    const verdict = await sendJson(
      "/v2/auth/verify",
      "POST",
      { authToken: f.pers.pair.refreshToken },
      { "X-API-Key": f.pers.tenant.projectKey },
    );
    expect(await verdict.json()).toMatchObject({ valid: true, tokenType: "refresh" });
    const exchanged = await sendJson(
      "/v2/auth/token",
      "POST",
      { authToken: f.pers.identityToken },
      { "x-project-key": f.pers.tenant.projectKey },
    );
    expect(exchanged.status).toBe(200);
    expect((await send("/v1/get/me", { headers: f.user.headers })).status).toBe(200);
    expect((await send("/dashboard/home", { headers: withCookie(f) })).status).toBe(200);
    const sms = await send("/v1/notification/api/sms/send", {
      method: "POST",
      headers: { "X-Ping-Api-Key": f.apiKey },
    });
    expect(sms.status).toBe(200);
  });

  for (const endpoint of ENDPOINTS) {
    const label = `${endpoint.method} ${endpoint.path} (${endpoint.dialect})`;
    it(`${label}: every malformed, oversized, forged, expired, replayed and spoofed variant gets a 4xx and changes nothing`, async () => {
      const f = fixtures;
      const variants = [...(await endpoint.variants(f)), ...(endpoint.body ? bodyVariants(endpoint.body(f)) : [])];
      expect(variants.length).toBeGreaterThan(0);
      for (const variant of variants) {
        const before = await snapshotStorage();
        const res = await send(pathFor(endpoint, f), requestFor(endpoint, f, variant));
        const text = await res.text();
        expect(res.status, `${variant.name}: ${text}`).toBe(statusIn(endpoint.dialect, variant.status));
        expect(text, `${variant.name} leaks no stack trace`).not.toMatch(/\bat .+:\d+:\d+/);
        if (variant.json) expect(JSON.parse(text), variant.name).toMatchObject(variant.json);
        expect(storageChanges(before, await snapshotStorage()), `${variant.name} changed storage`).toEqual(NO_CHANGES);
      }
    });
  }
});
