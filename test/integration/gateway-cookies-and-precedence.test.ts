import { beforeAll, describe, expect, it } from "vitest";
import { withSession } from "../support/cookies";
import {
  browserSession,
  type CookieSession,
  neverIssuedKey,
  type TenantWithKeys,
  tenantWithGatewayKeys,
} from "../support/gateway-credentials";
import { echoOf } from "../support/origins";
import { type SignedIn, signedInUser } from "../support/tokens";
import { send } from "../support/worker";

const API_KEY_INVALID = 'ApiKey realm="gatehouse", error="invalid_token"';
const SESSION_INVALID = 'Session realm="gatehouse", error="invalid_token"';

let tenant: TenantWithKeys;
let browser: CookieSession;
let alice: SignedIn;
beforeAll(async () => {
  tenant = await tenantWithGatewayKeys();
  browser = await browserSession();
  alice = await signedInUser("user");
});

describe("a route that accepts bearer tokens, API keys and session cookies", () => {
  const path = "/v1/notification/api/templates/welcome";

  it("takes each of them, and tells the origin who it was", async () => {
    const byKey = await echoOf(await send(path, { headers: { "X-Ping-Api-Key": tenant.keys.liveTemplates.raw } }));
    expect(byKey.headers).toMatchObject({
      "x-auth-method": "api_key",
      "x-auth-key-id": tenant.keys.liveTemplates.keyId,
      "x-auth-tenant-id": tenant.tenantId,
    });
    const byToken = await echoOf(await send(path, { headers: alice.headers }));
    expect(byToken.headers).toMatchObject({ "x-auth-method": "jwt", "x-auth-user-id": alice.publicId });
    const byCookie = await echoOf(await send(path, { headers: { Cookie: `a=1; session_token=${browser.cookie}` } }));
    expect(byCookie.headers).toMatchObject({
      "x-auth-method": "session",
      "x-auth-user-id": browser.userPublicId,
      "x-auth-user-type": "user",
      "x-auth-session-id": browser.sessionId,
      cookie: "a=1",
    });
  });

  it("judges a request by its bearer token first, then its key, then its cookie; never falling back", async () => {
    const both = await echoOf(
      await send(path, { headers: { ...alice.headers, "X-Ping-Api-Key": tenant.keys.liveTemplates.raw } }),
    );
    expect(both.headers["x-auth-method"]).toBe("jwt");
    expect(both.headers["x-ping-api-key"]).toBeUndefined();

    const keyAndCookie = await echoOf(
      await send(path, {
        headers: { "X-Ping-Api-Key": tenant.keys.liveTemplates.raw, ...withSession(browser.cookie) },
      }),
    );
    expect(keyAndCookie.headers["x-auth-method"]).toBe("api_key");
    expect(keyAndCookie.headers.cookie).toBeUndefined();

    const badTokenGoodKey = await send(path, {
      headers: { Authorization: "Bearer nope", "User-Type": "user", "X-Ping-Api-Key": tenant.keys.liveTemplates.raw },
    });
    expect(badTokenGoodKey.status).toBe(401);
    expect(badTokenGoodKey.headers.get("WWW-Authenticate")).toBe('Bearer realm="gatehouse", error="invalid_token"');

    const badKeyGoodCookie = await send(path, {
      headers: { "X-Ping-Api-Key": await neverIssuedKey(), ...withSession(browser.cookie) },
    });
    expect(badKeyGoodCookie.status).toBe(401);
    expect(badKeyGoodCookie.headers.get("WWW-Authenticate")).toBe(API_KEY_INVALID);
  });

  it("applies permissions to keys", async () => {
    const cases = [
      [tenant.keys.liveSms, "missing_permission"],
      [tenant.keys.livePublishable, "missing_permission"],
    ] as const;
    for (const [key, reason] of cases) {
      const res = await send(path, { headers: { "X-Ping-Api-Key": key.raw } });
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ error: "insufficient_permission", reason });
    }
  });

  it("refuses a cookie-authenticated change sent from another site; the same change from our own page passes", async () => {
    const change = (headers: Record<string, string>) =>
      send(path, {
        method: "PUT",
        headers: { ...withSession(browser.cookie), "Content-Type": "application/json", ...headers },
        body: "{}",
      });
    const crossSiteHeaders: Record<string, string>[] = [
      { "Sec-Fetch-Site": "cross-site" },
      { "Sec-Fetch-Site": "same-site" },
      { Origin: "https://evil.example" },
    ];
    for (const crossSite of crossSiteHeaders) {
      const res = await change(crossSite);
      expect(res.status, JSON.stringify(crossSite)).toBe(403);
      expect(await res.json()).toMatchObject({ error: "cross_site_request" });
    }
    expect((await change({ "Sec-Fetch-Site": "same-origin" })).status).toBe(200);
    expect((await change({ Origin: "https://dashboard.example.com" })).status).toBe(200);
    // A key is never attached by a browser on its own: the same cross-site headers do not matter.
    const byKey = await send(path, {
      method: "PUT",
      headers: { "X-Ping-Api-Key": tenant.keys.liveTemplates.raw, "Sec-Fetch-Site": "cross-site" },
    });
    expect(byKey.status).toBe(200);
  });

  it("challenges for the first credential it lists when none is sent", async () => {
    const res = await send(path);
    expect(res.status).toBe(401);
    expect(res.headers.get("WWW-Authenticate")).toBe('ApiKey realm="gatehouse"');
  });
});

describe("a browser with a session cookie, on a cookie-only route", () => {
  it("reaches the origin as its user, keeping its other cookies", async () => {
    const echo = await echoOf(
      await send("/app/home", { headers: { Cookie: `session_token=${browser.cookie}; theme=dark` } }),
    );
    expect(echo.headers).toMatchObject({
      "x-auth-method": "session",
      "x-auth-user-id": browser.userPublicId,
      "x-auth-session-id": browser.sessionId,
      cookie: "theme=dark",
    });
    expect(echo.headers["x-auth-assertion"]).toMatch(/^eyJ/);
  });

  it("is refused (403) where the route admits only other user types", async () => {
    const res = await send("/staff/home", { headers: withSession(browser.cookie) });
    expect(res.status).toBe(403);
    expect(res.headers.get("WWW-Authenticate")).toBe('Session realm="gatehouse", error="insufficient_scope"');
    expect(await res.json()).toMatchObject({ error: "insufficient_permission", reason: "user_type_not_allowed" });
  });

  it("with a forged, tampered or empty session cookie gets 401 with the session challenge", async () => {
    const tampered = `${browser.cookie.slice(0, -1)}${browser.cookie.endsWith("A") ? "B" : "A"}`;
    for (const cookie of ["session_token=forged", 'session_token=""', `session_token=${tampered}`]) {
      const res = await send("/app/home", { headers: { Cookie: cookie } });
      expect(res.status, cookie).toBe(401);
      expect(res.headers.get("WWW-Authenticate")).toBe(SESSION_INVALID);
    }
    // The real cookie still works: nothing above touched its session.
    expect((await send("/app/home", { headers: withSession(browser.cookie) })).status).toBe(200);
  });

  it("is refused right after its user logs out, though this isolate had just accepted it", async () => {
    const leaving = await browserSession();
    expect((await send("/app/home", { headers: withSession(leaving.cookie) })).status).toBe(200);

    const logout = await send("/v1/auth/logout", { method: "POST", headers: withSession(leaving.cookie) });
    expect(logout.status).toBe(204);

    for (let i = 0; i < 2; i++) {
      const res = await send("/app/home", { headers: withSession(leaving.cookie) });
      expect(res.status).toBe(401);
      expect(res.headers.get("WWW-Authenticate")).toBe(SESSION_INVALID);
      expect(await res.json()).toMatchObject({ error: "invalid_session" });
    }
    // Another browser's session is untouched.
    expect((await send("/app/home", { headers: withSession(browser.cookie) })).status).toBe(200);
  });

  it("with a bearer token instead is challenged for a session", async () => {
    const res = await send("/app/home", { headers: alice.headers });
    expect(res.status).toBe(401);
    expect(res.headers.get("WWW-Authenticate")).toBe('Session realm="gatehouse"');
  });
});
