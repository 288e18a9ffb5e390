import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/storage/db";
import { apiKeys } from "../../src/storage/schema";
import { createKey, signedInOwner } from "../support/api-keys";
import { neverIssuedKey, type TenantWithKeys, tenantWithGatewayKeys } from "../support/gateway-credentials";
import { echoOf } from "../support/origins";
import { signedInUser } from "../support/tokens";
import { send } from "../support/worker";

const SMS_PATH = "/v1/notification/api/sms/send";

const withKey = (raw: string, extra: Record<string, string> = {}) => ({
  method: "POST",
  headers: { "X-Ping-Api-Key": raw, "Content-Type": "application/json", ...extra },
  body: JSON.stringify({ to_phone: "+263771234567", message: "Your OTP is 123456" }),
});

const API_KEY_INVALID = 'ApiKey realm="gatehouse", error="invalid_token"';
const API_KEY_SCOPE = 'ApiKey realm="gatehouse", error="insufficient_scope"';

let tenant: TenantWithKeys;
beforeAll(async () => {
  tenant = await tenantWithGatewayKeys();
});

describe("a server holding an API key, through the gateway", () => {
  it("with a live key reaches the live upstream, which learns the key, tenant, permissions and mode", async () => {
    const res = await send(SMS_PATH, withKey(tenant.keys.liveSms.raw));
    const echo = await echoOf(res);
    expect(echo.sandbox).toBe(false);
    expect(echo.path).toBe(SMS_PATH);
    expect(echo.headers).toMatchObject({
      "x-auth-method": "api_key",
      "x-auth-key-id": tenant.keys.liveSms.keyId,
      "x-auth-tenant-id": tenant.tenantId,
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
    const echo = await echoOf(await send(`${SMS_PATH}?dry=1`, withKey(tenant.keys.testSms.raw)));
    expect(echo.sandbox).toBe(true);
    expect(echo.path).toBe(`/sandbox${SMS_PATH}`);
    expect(echo.query).toBe("?dry=1");
    expect(echo.headers).toMatchObject({ "x-auth-mode": "test", "x-auth-key-id": tenant.keys.testSms.keyId });
  });

  it("with a test key on a route without a sandbox reaches the upstream, still marked test", async () => {
    const echo = await echoOf(await send("/v1/notification/api/email/send", withKey(tenant.keys.testEmail.raw)));
    expect(echo.sandbox).toBe(false);
    expect(echo.headers["x-auth-mode"]).toBe("test");
  });

  it("with a test key is refused (403) by a live-only route; a live key passes", async () => {
    const res = await send("/v1/notification/api/bulk/send", withKey(tenant.keys.testBulk.raw));
    expect(res.status).toBe(403);
    expect(res.headers.get("WWW-Authenticate")).toBe(API_KEY_SCOPE);
    expect(await res.json()).toMatchObject({ error: "insufficient_permission", reason: "test_key_not_allowed" });
    const live = await echoOf(await send("/v1/notification/api/bulk/send", withKey(tenant.keys.liveBulk.raw)));
    expect(live.headers["x-auth-permissions"]).toBe("bulk,sms");
  });

  it("without a permission the route requires gets 403, whichever one is missing", async () => {
    for (const [path, key] of [
      ["/v1/notification/api/email/send", tenant.keys.liveSms],
      [SMS_PATH, tenant.keys.liveEmailWhatsapp],
      ["/v1/notification/api/bulk/send", tenant.keys.liveSms],
    ] as const) {
      const res = await send(path, withKey(key.raw));
      expect(res.status, path).toBe(403);
      expect(res.headers.get("WWW-Authenticate")).toBe(API_KEY_SCOPE);
      expect(await res.json()).toMatchObject({ error: "insufficient_permission", reason: "missing_permission" });
    }
  });

  it("with a publishable key that was granted no permission (a project key) gets 403 missing_permission", async () => {
    const res = await send(SMS_PATH, withKey(tenant.keys.livePublishable.raw));
    expect(res.status).toBe(403);
    expect(res.headers.get("WWW-Authenticate")).toBe(API_KEY_SCOPE);
    expect(await res.json()).toMatchObject({ error: "insufficient_permission", reason: "missing_permission" });
  });

  it("with a well-formed key nobody was issued gets 401 with the API-key challenge, every time", async () => {
    const unknown = await neverIssuedKey();
    for (let attempt = 0; attempt < 2; attempt++) {
      const res = await send(SMS_PATH, withKey(unknown));
      expect(res.status).toBe(401);
      expect(res.headers.get("WWW-Authenticate")).toBe(API_KEY_INVALID);
      expect(await res.json()).toMatchObject({ error: "invalid_api_key", reason: "not_found" });
    }
  });

  it("with an empty or oversized key is refused by the gateway's own bound, in the key service's words", async () => {
    for (const raw of ["", "   ", `sk_live_${"x".repeat(600)}`]) {
      const res = await send(SMS_PATH, withKey(raw));
      expect(res.status).toBe(401);
      expect(res.headers.get("WWW-Authenticate")).toBe(API_KEY_INVALID);
      expect(await res.json()).toEqual({
        error: "invalid_api_key",
        message: "The API key is invalid, revoked or expired.",
        reason: "invalid_format",
      });
    }
  });

  it("without a key, or with a bearer token instead, is challenged for an API key", async () => {
    const alice = await signedInUser("user");
    for (const headers of [{}, alice.headers]) {
      const res = await send(SMS_PATH, { method: "POST", headers });
      expect(res.status).toBe(401);
      expect(res.headers.get("WWW-Authenticate")).toBe('ApiKey realm="gatehouse"');
    }
  });
});

describe("a key that stops being valid, at the gateway", () => {
  it("is refused right after its owner revokes it, though this isolate had just accepted it", async () => {
    const owner = await signedInOwner();
    const { key, api_key } = await createKey(owner, { mode: "live", permissions: ["sms"] });
    for (let i = 0; i < 2; i++) expect((await send(SMS_PATH, withKey(key))).status).toBe(200);

    const revoked = await send(`/v1/api-keys/${api_key.id}`, { method: "DELETE", headers: owner.headers });
    expect(revoked.status).toBe(200);

    for (let i = 0; i < 2; i++) {
      const res = await send(SMS_PATH, withKey(key));
      expect(res.status).toBe(401);
      expect(res.headers.get("WWW-Authenticate")).toBe(API_KEY_INVALID);
      expect(await res.json()).toMatchObject({ error: "invalid_api_key", reason: "revoked" });
    }
  });

  it("is refused as expired once its expiry has passed", async () => {
    const owner = await signedInOwner();
    const { key, api_key } = await createKey(owner, {
      mode: "live",
      permissions: ["sms"],
      expires_at: new Date(Date.now() + 3_600_000).toISOString(),
    });
    // Time passing, without sleeping: move the stored expiry into the past before first use.
    await openDatabase(env.DB)
      .update(apiKeys)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(apiKeys.publicId, api_key.id));

    const res = await send(SMS_PATH, withKey(key));
    expect(res.status).toBe(401);
    expect(res.headers.get("WWW-Authenticate")).toBe(API_KEY_INVALID);
    expect(await res.json()).toMatchObject({ error: "invalid_api_key", reason: "expired" });
  });
});
