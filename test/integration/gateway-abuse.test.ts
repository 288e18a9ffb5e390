import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { createLocalJWKSet, type JSONWebKeySet, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { openDatabase } from "../../src/storage/db";
import { auditEvents } from "../../src/storage/schema";
import { createKey, signedInOwner } from "../support/api-keys";
import { randomClientIp } from "../support/client-ip";
import { neverIssuedKey } from "../support/gateway-credentials";
import type { Echo } from "../support/origins";
import { hammerUntilLimited, LIMITS } from "../support/rate-limits";
import { send } from "../support/worker";

/**
 * The gateway under abuse, with real API keys stored in D1: one IP guessing keys is shut out
 * while real integrations keep working, and identity a client claims for itself never reaches
 * the origin next to a real key.
 */

const SMS_ROUTE = "/v1/notification/api/sms/send";

function sendSms(key: string, ip: string, headers: HeadersInit = {}) {
  const all = new Headers(headers);
  all.set("X-Ping-Api-Key", key);
  all.set("CF-Connecting-IP", ip);
  all.set("Content-Type", "application/json");
  return send(SMS_ROUTE, { method: "POST", headers: all, body: JSON.stringify({ to: "+263771234567", text: "hi" }) });
}

async function echoOf(res: Response): Promise<Echo> {
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return JSON.parse(text) as Echo;
}

async function smsKey(mode: "live" | "test" = "live") {
  const owner = await signedInOwner();
  const { key, api_key } = await createKey(owner, { permissions: ["sms"], mode });
  return { owner, key, keyId: api_key.id };
}

describe("refused API keys at the gateway", () => {
  it("one IP guessing keys is answered 429 after the limit, while a good key from another IP still passes", async () => {
    const { key } = await smsKey();
    const guesser = randomClientIp();
    const { limited } = await hammerUntilLimited(LIMITS.apiKeyFailureIp, async () =>
      sendSms(await neverIssuedKey(), guesser),
    );
    expect(limited.headers.get("Retry-After")).toBe("60");
    expect(limited.headers.get("Content-Type")).toMatch(/^application\/json/);
    expect(await limited.json()).toEqual({ error: "rate_limited", message: "Too many requests. Try again later." });

    // The real integration elsewhere is untouched.
    const echo = await echoOf(await sendSms(key, randomClientIp()));
    expect(echo.headers["x-auth-method"]).toBe("api_key");

    // The guesser stays shut out for the window, even once it holds a good key.
    const stolen = await sendSms(key, guesser);
    expect(stolen.status).toBe(429);
    expect(stolen.headers.get("Retry-After")).toBe("60");
  });

  it("a busy integration with a good key is never slowed down: only refusals count", async () => {
    const { key } = await smsKey();
    const ip = randomClientIp();
    for (let i = 0; i <= 2 * LIMITS.apiKeyFailureIp; i++) {
      const res = await sendSms(key, ip);
      expect(res.status, `request ${i}`).toBe(200);
      await res.arrayBuffer();
    }
  });

  it("refusals that are not about the key (a missing permission) do not count towards the limit", async () => {
    const owner = await signedInOwner();
    const { key } = await createKey(owner, { permissions: ["email"], mode: "live" });
    const ip = randomClientIp();
    for (let i = 0; i <= 2 * LIMITS.apiKeyFailureIp; i++) {
      const res = await sendSms(key, ip);
      expect(res.status, `request ${i}`).toBe(403);
      await res.arrayBuffer();
    }
  });

  it("a guessed key is not audited (too frequent to log) and writes nothing", async () => {
    const ip = randomClientIp();
    const res = await sendSms(await neverIssuedKey(), ip);
    expect(res.status).toBe(401);
    expect(await openDatabase(env.DB).select().from(auditEvents).where(eq(auditEvents.ip, ip))).toEqual([]);
  });
});

/** Identity a client might claim for itself, in the spellings origins are known to fold together. */
const SPOOFED: Array<[string, string]> = [
  ["X-Auth-Method", "jwt"],
  ["X-Auth-User-Id", "spoofed-user"],
  ["x_auth_user_type", "adminuser"],
  ["X-AUTH-KEY-ID", "spoofed-key"],
  ["X-Auth-Tenant-Id", "spoofed-tenant"],
  ["X_Auth_Tenant_Id", "spoofed-tenant-2"],
  ["X-Auth-Permissions", "sms,email,whatsapp,templates,bulk"],
  ["x-auth-permissions", "bulk"],
  ["X-Auth-Mode", "live-spoofed"],
  ["X-Auth-Session-Id", "spoofed-session"],
  ["X-Auth-Assertion", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJzcG9vZmVkIn0."],
  ["X-Request-Id", "spoofed-request"],
  ["X-Forwarded-User", "spoofed-forwarded"],
  ["x_user_id", "spoofed-user-2"],
  ["User-Type", "adminuser"],
  ["X-Auth.User-Id", "spoofed-dotted-user"],
  ["Remote-User", "spoofed-remote"],
  ["X_WEBAUTH_USER", "spoofed-webauth"],
  ["X-Forwarded-Groups", "spoofed-groups"],
  ["x.forwarded.access.token", "spoofed-token"],
  ["X-Auth-Request-Email", "spoofed-email"],
];

function spoofed(): Headers {
  const headers = new Headers();
  for (const [name, value] of SPOOFED) headers.append(name, value);
  return headers;
}

describe("spoofed identity on an API-key route", () => {
  it("never reaches the origin: it sees only the real key's identity, and a signed assertion of it", async () => {
    const { owner, key, keyId } = await smsKey("live");
    const res = await sendSms(key, randomClientIp(), spoofed());
    const requestId = res.headers.get("X-Request-Id");
    const echo = await echoOf(res);

    expect(JSON.stringify(echo.headers)).not.toMatch(/spoofed|adminuser|templates|bulk/);
    expect(echo.headers).toMatchObject({
      "x-auth-method": "api_key",
      "x-auth-key-id": keyId,
      "x-auth-tenant-id": owner.businessPublicId,
      "x-auth-permissions": "sms",
      "x-auth-mode": "live",
      "x-request-id": requestId,
    });
    for (const name of ["x-auth-user-id", "x-auth-user-type", "x-auth-session-id", "x-ping-api-key"]) {
      expect(echo.headers[name], name).toBeUndefined();
    }
    expect(echo.sandbox).toBe(false);

    // The assertion is the gateway's own, not the client's unsigned one, and says the same.
    const assertion = echo.headers["x-auth-assertion"] as string;
    expect(assertion).not.toBe(SPOOFED.find(([name]) => name === "X-Auth-Assertion")?.[1]);
    const published = (await (await send("/.well-known/jwks.json")).json()) as JSONWebKeySet;
    const { payload } = await jwtVerify(assertion, createLocalJWKSet(published), {
      issuer: env.ISSUER,
      audience: "service:DEMO_UPSTREAM",
      typ: "gatehouse-assertion+jwt",
    });
    expect(JSON.stringify(payload)).not.toMatch(/spoofed/);
    expect(payload).toMatchObject({
      auth_method: "api_key",
      key_id: keyId,
      tenant_id: owner.businessPublicId,
      permissions: ["sms"],
      mode: "live",
    });
  });

  it("a test key claiming live mode still goes to the sandbox, marked test", async () => {
    const { key } = await smsKey("test");
    const headers = spoofed();
    headers.set("X-Auth-Mode", "live");
    const echo = await echoOf(await sendSms(key, randomClientIp(), headers));
    expect(echo.sandbox).toBe(true);
    expect(echo.headers["x-auth-mode"]).toBe("test");
    expect(JSON.stringify(echo.headers)).not.toMatch(/spoofed/);
  });

  it("on a public route none of them reaches the origin, User-Type included", async () => {
    const echo = await echoOf(await send("/v1/public/x", { headers: spoofed() }));
    expect(JSON.stringify(echo.headers)).not.toMatch(/spoofed|adminuser/);
    expect(echo.headers["user-type"]).toBeUndefined();
  });

  it("spoofed headers with no key, or a refused key, never reach the origin", async () => {
    const headers = spoofed();
    const none = await send(SMS_ROUTE, { method: "POST", headers });
    expect(none.status).toBe(401);
    expect(none.headers.get("X-Demo-Upstream")).toBeNull();
    const refused = await sendSms(await neverIssuedKey(), randomClientIp(), spoofed());
    expect(refused.status).toBe(401);
    expect(refused.headers.get("X-Demo-Upstream")).toBeNull();
    expect(await refused.json()).toMatchObject({ error: "invalid_api_key" });
  });
});
