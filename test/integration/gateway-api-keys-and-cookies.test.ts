import { beforeAll, describe, expect, it } from "vitest";
import { call } from "../support/client";
import { FAKE_API_KEYS, useFakeCredentials } from "../support/fake-credentials";
import { echoOf } from "../support/origins";
import { type LoggedIn, logInWithToken } from "../support/tokens";

// The API-key and cookie-session services are built elsewhere; fakes stand in for them here so
// the gateway's own rules (permissions, sandbox, live-only, precedence, headers) can be driven.
const seen = useFakeCredentials();

const withKey = (key: { raw: string }, extra: Record<string, string> = {}) => ({
  method: "POST",
  headers: { "X-Ping-Api-Key": key.raw, "Content-Type": "application/json", ...extra },
  body: JSON.stringify({ to_phone: "+263771234567", message: "Your OTP is 123456" }),
});

const API_KEY_INVALID = 'ApiKey realm="gatehouse", error="invalid_token"';
const API_KEY_SCOPE = 'ApiKey realm="gatehouse", error="insufficient_scope"';

describe("a server holding an API key, through the gateway", () => {
  it("with a live key reaches the live upstream, which learns the key, tenant, permissions and mode", async () => {
    const res = await call("/v1/notification/api/sms/send", withKey(FAKE_API_KEYS.liveSms));
    const echo = await echoOf(res);
    expect(echo.sandbox).toBe(false);
    expect(echo.path).toBe("/v1/notification/api/sms/send");
    expect(echo.headers).toMatchObject({
      "x-auth-method": "api_key",
      "x-auth-key-id": "key-live-sms",
      "x-auth-tenant-id": "tenant-acme",
      "x-auth-permissions": "sms",
      "x-auth-mode": "live",
    });
    expect(echo.headers["x-auth-assertion"]).toMatch(/^eyJ/);
    expect(echo.headers["x-ping-api-key"]).toBeUndefined();
    for (const name of ["x-auth-user-id", "x-auth-user-type", "x-auth-session-id"]) {
      expect(echo.headers[name]).toBeUndefined();
    }
  });

  it("with a test key is sent to the sandbox upstream, marked X-Auth-Mode: test", async () => {
    const echo = await echoOf(await call("/v1/notification/api/sms/send?dry=1", withKey(FAKE_API_KEYS.testSms)));
    expect(echo.sandbox).toBe(true);
    expect(echo.path).toBe("/sandbox/v1/notification/api/sms/send");
    expect(echo.query).toBe("?dry=1");
    expect(echo.headers["x-auth-mode"]).toBe("test");
  });

  it("with a test key on a route without a sandbox reaches the upstream, still marked test", async () => {
    const echo = await echoOf(await call("/v1/notification/api/email/send", withKey(FAKE_API_KEYS.testEmail)));
    expect(echo.sandbox).toBe(false);
    expect(echo.headers["x-auth-mode"]).toBe("test");
  });

  it("with a test key is refused (403) by a live-only route; a live key passes", async () => {
    const res = await call("/v1/notification/api/bulk/send", withKey(FAKE_API_KEYS.testBulk));
    expect(res.status).toBe(403);
    expect(res.headers.get("WWW-Authenticate")).toBe(API_KEY_SCOPE);
    expect(await res.json()).toMatchObject({ error: "insufficient_permission", reason: "test_key_not_allowed" });
    const live = await echoOf(await call("/v1/notification/api/bulk/send", withKey(FAKE_API_KEYS.liveBulk)));
    expect(live.headers["x-auth-permissions"]).toBe("bulk,sms");
  });

  it("without a permission the route requires gets 403, whichever one is missing", async () => {
    for (const [path, key] of [
      ["/v1/notification/api/email/send", FAKE_API_KEYS.liveSms],
      ["/v1/notification/api/sms/send", FAKE_API_KEYS.liveEmail],
      ["/v1/notification/api/bulk/send", FAKE_API_KEYS.liveSms],
    ] as const) {
      const res = await call(path, withKey(key));
      expect(res.status, path).toBe(403);
      expect(res.headers.get("WWW-Authenticate")).toBe(API_KEY_SCOPE);
      expect(await res.json()).toMatchObject({ error: "insufficient_permission", reason: "missing_permission" });
    }
  });

  it("with an unknown key gets 401 with the API-key challenge and the service's reason", async () => {
    const res = await call("/v1/notification/api/sms/send", withKey({ raw: "sk_live_not_a_key" }));
    expect(res.status).toBe(401);
    expect(res.headers.get("WWW-Authenticate")).toBe(API_KEY_INVALID);
    expect(await res.json()).toMatchObject({ error: "invalid_token", reason: "unknown_key" });
  });

  it("with an empty or oversized key is refused before any look-up", async () => {
    const before = seen.apiKeys.length;
    for (const raw of ["", "   ", `sk_live_${"x".repeat(600)}`]) {
      const res = await call("/v1/notification/api/sms/send", withKey({ raw }));
      expect(res.status).toBe(401);
      expect(res.headers.get("WWW-Authenticate")).toBe(API_KEY_INVALID);
    }
    expect(seen.apiKeys.length).toBe(before);
  });

  it("without a key, or with a bearer token instead, is challenged for an API key", async () => {
    const alice = await logInWithToken("user");
    for (const headers of [{}, alice.bearer]) {
      const res = await call("/v1/notification/api/sms/send", { method: "POST", headers });
      expect(res.status).toBe(401);
      expect(res.headers.get("WWW-Authenticate")).toBe('ApiKey realm="gatehouse"');
    }
  });
});

describe("a route that accepts bearer tokens, API keys and session cookies", () => {
  const path = "/v1/notification/api/templates/welcome";
  let alice: LoggedIn;
  beforeAll(async () => {
    alice = await logInWithToken("user");
  });

  it("takes each of them", async () => {
    const byKey = await echoOf(await call(path, { headers: { "X-Ping-Api-Key": FAKE_API_KEYS.liveTemplates.raw } }));
    expect(byKey.headers["x-auth-method"]).toBe("api_key");
    const byToken = await echoOf(await call(path, { headers: alice.bearer }));
    expect(byToken.headers["x-auth-method"]).toBe("jwt");
    const byCookie = await echoOf(await call(path, { headers: { Cookie: "a=1; session_token=cookie-user" } }));
    expect(byCookie.headers).toMatchObject({
      "x-auth-method": "session",
      "x-auth-user-id": "user-cookie-1",
      "x-auth-user-type": "user",
      "x-auth-session-id": "sess-cookie-1",
      cookie: "a=1",
    });
  });

  it("judges a request by its bearer token first, then its key, then its cookie; never falling back", async () => {
    const both = await echoOf(
      await call(path, { headers: { ...alice.bearer, "X-Ping-Api-Key": FAKE_API_KEYS.liveTemplates.raw } }),
    );
    expect(both.headers["x-auth-method"]).toBe("jwt");
    expect(both.headers["x-ping-api-key"]).toBeUndefined();

    const badTokenGoodKey = await call(path, {
      headers: { Authorization: "Bearer nope", "User-Type": "user", "X-Ping-Api-Key": FAKE_API_KEYS.liveTemplates.raw },
    });
    expect(badTokenGoodKey.status).toBe(401);
    expect(badTokenGoodKey.headers.get("WWW-Authenticate")).toBe('Bearer realm="gatehouse", error="invalid_token"');

    const badKeyGoodCookie = await call(path, {
      headers: { "X-Ping-Api-Key": "sk_live_unknown", Cookie: "session_token=cookie-user" },
    });
    expect(badKeyGoodCookie.status).toBe(401);
    expect(badKeyGoodCookie.headers.get("WWW-Authenticate")).toBe(API_KEY_INVALID);
  });

  it("applies user types to people and permissions to keys", async () => {
    const agentCookie = await call(path, { headers: { Cookie: "session_token=cookie-agent" } });
    expect(agentCookie.status).toBe(403);
    expect(agentCookie.headers.get("WWW-Authenticate")).toBe('Session realm="gatehouse", error="insufficient_scope"');
    const smsKey = await call(path, { headers: { "X-Ping-Api-Key": FAKE_API_KEYS.liveSms.raw } });
    expect(smsKey.status).toBe(403);
  });

  it("challenges for the first credential it lists when none is sent", async () => {
    const res = await call(path);
    expect(res.status).toBe(401);
    expect(res.headers.get("WWW-Authenticate")).toBe('ApiKey realm="gatehouse"');
  });
});

describe("a browser with a session cookie, on a cookie-only route", () => {
  it("reaches the origin as its user, keeping its other cookies", async () => {
    const echo = await echoOf(
      await call("/dashboard/home", { headers: { Cookie: "session_token=cookie-user; theme=dark" } }),
    );
    expect(echo.headers["x-auth-user-id"]).toBe("user-cookie-1");
    expect(echo.headers.cookie).toBe("theme=dark");
  });

  it("with an unknown or empty session cookie gets 401 with the session challenge", async () => {
    for (const cookie of ["session_token=forged", 'session_token=""']) {
      const res = await call("/dashboard/home", { headers: { Cookie: cookie } });
      expect(res.status).toBe(401);
      expect(res.headers.get("WWW-Authenticate")).toBe('Session realm="gatehouse", error="invalid_token"');
    }
  });

  it("with a bearer token instead is challenged for a session", async () => {
    const alice = await logInWithToken("user");
    const res = await call("/dashboard/home", { headers: alice.bearer });
    expect(res.status).toBe(401);
    expect(res.headers.get("WWW-Authenticate")).toBe('Session realm="gatehouse"');
  });
});
