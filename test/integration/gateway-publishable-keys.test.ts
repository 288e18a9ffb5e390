import { beforeAll, describe, expect, it } from "vitest";
import { auditRowsFor, createKey, signedInOwner } from "../support/api-keys";
import { echoOf } from "../support/origins";
import type { SignedIn } from "../support/tokens";
import { send, sendJson } from "../support/worker";

/** The Ping seed's own example: an SMS sent with a `pk_live_` key. */
const SMS_PATH = "/v1/notification/api/sms/send";
const SMS_BODY = { to_phone: "+263771234567", message: "Your OTP is 123456" };
const WHATSAPP_PATH = "/v1/notification/api/whatsapp/send";

const APP = "https://app.example.com";
const EVIL = "https://evil.example";
const API_KEY_SCOPE = 'ApiKey realm="gatehouse", error="insufficient_scope"';

function sendWithKey(path: string, key: string, extra: Record<string, string> = {}) {
  return sendJson(path, "POST", SMS_BODY, { "X-Ping-Api-Key": key, ...extra });
}

async function expectRefusal(res: Response, reason: string) {
  expect(res.status).toBe(403);
  expect(res.headers.get("WWW-Authenticate")).toBe(API_KEY_SCOPE);
  expect(await res.json()).toMatchObject({ error: "insufficient_permission", reason });
}

let owner: SignedIn & { businessPublicId: string };
beforeAll(async () => {
  owner = await signedInOwner();
});

describe("a publishable key through the gateway", () => {
  it("with sms sends the seed's SMS: the live upstream learns the key, its tenant and its permissions", async () => {
    const { key, api_key } = await createKey(owner, { kind: "publishable", mode: "live", permissions: ["sms"] });
    expect(key.startsWith("pk_live_")).toBe(true);
    const echo = await echoOf(await sendWithKey(SMS_PATH, key));
    expect(echo.sandbox).toBe(false);
    expect(echo.path).toBe(SMS_PATH);
    expect(echo.headers).toMatchObject({
      "x-auth-method": "api_key",
      "x-auth-key-id": api_key.id,
      "x-auth-tenant-id": owner.businessPublicId,
      "x-auth-permissions": "sms",
      "x-auth-mode": "live",
    });
    expect(echo.headers["x-ping-api-key"]).toBeUndefined();
  });

  it("in test mode goes to the sandbox, like a secret test key", async () => {
    const { key } = await createKey(owner, { kind: "publishable", mode: "test", permissions: ["sms"] });
    const echo = await echoOf(await sendWithKey(SMS_PATH, key));
    expect(echo.sandbox).toBe(true);
    expect(echo.headers["x-auth-mode"]).toBe("test");
  });

  it("without sms is refused 403 missing_permission, and so is one with no permission at all", async () => {
    for (const permissions of [["email"], []]) {
      const { key } = await createKey(owner, { kind: "publishable", mode: "live", permissions });
      await expectRefusal(await sendWithKey(SMS_PATH, key), "missing_permission");
    }
  });

  it("is refused 403 kind_not_allowed on a secretKeysOnly route, where a secret key passes", async () => {
    const pk = await createKey(owner, { kind: "publishable", mode: "live", permissions: ["whatsapp"] });
    await expectRefusal(await sendWithKey(WHATSAPP_PATH, pk.key), "kind_not_allowed");
    const sk = await createKey(owner, { kind: "secret", mode: "live", permissions: ["whatsapp"] });
    expect((await sendWithKey(WHATSAPP_PATH, sk.key)).status).toBe(200);
  });
});

describe("a publishable key's allowed origins", () => {
  let key: string;
  let keyId: string;
  beforeAll(async () => {
    const created = await createKey(owner, {
      kind: "publishable",
      mode: "live",
      permissions: ["sms"],
      allowed_origins: [APP, "http://localhost:5173", APP],
    });
    key = created.key;
    keyId = created.api_key.id;
    expect(created.api_key.allowed_origins).toEqual([APP, "http://localhost:5173"]);
  });

  it("lets a page on a listed origin use the key", async () => {
    const echo = await echoOf(await sendWithKey(SMS_PATH, key, { Origin: APP }));
    expect(echo.headers["x-auth-key-id"]).toBe(keyId);
  });

  it("refuses a page on any other origin with 403 origin_not_allowed, before any permission check", async () => {
    for (const origin of [EVIL, "null", "https://app.example.com:8443", "http://app.example.com", `${APP}.evil`]) {
      await expectRefusal(await sendWithKey(SMS_PATH, key, { Origin: origin }), "origin_not_allowed");
    }
    // The key lacks whatsapp, yet the origin is what it is refused for: no probing its permissions.
    await expectRefusal(await sendWithKey(WHATSAPP_PATH, key, { Origin: EVIL }), "origin_not_allowed");
  });

  it("lets a request without Origin through: a server can claim any Origin, so the list is a browser guard", async () => {
    expect((await sendWithKey(SMS_PATH, key)).status).toBe(200);
  });

  it("applies wherever the key authenticates, the key check included", async () => {
    const own = await send("/v1/auth/api-key", { headers: { "X-Ping-Api-Key": key, Origin: APP } });
    expect(own.status).toBe(200);
    const foreign = await send("/v1/auth/api-key", { headers: { "X-Ping-Api-Key": key, Origin: EVIL } });
    await expectRefusal(foreign, "origin_not_allowed");
  });

  it("a key without a list works from any origin", async () => {
    const open = await createKey(owner, { kind: "publishable", mode: "live", permissions: ["sms"] });
    expect(open.api_key.allowed_origins).toBeNull();
    expect((await sendWithKey(SMS_PATH, open.key, { Origin: EVIL })).status).toBe(200);
  });

  it("is kept by a roll and recorded in the audit trail", async () => {
    const res = await send(`/v1/api-keys/${keyId}/roll`, { method: "POST", headers: owner.headers });
    expect(res.status).toBe(201);
    const rolled = await res.json<{ key: string; api_key: { allowed_origins: unknown } }>();
    expect(rolled.api_key.allowed_origins).toEqual([APP, "http://localhost:5173"]);
    await expectRefusal(await sendWithKey(SMS_PATH, rolled.key, { Origin: EVIL }), "origin_not_allowed");
    const created = (await auditRowsFor(keyId)).find((row) => row.action === "api_key.create");
    expect(created?.details).toMatchObject({ allowed_origins: [APP, "http://localhost:5173"] });
  });

  it("cannot be set on a secret key (400), and must list exact origins", async () => {
    const bad: Array<Record<string, unknown>> = [
      { kind: "secret", allowed_origins: [APP] },
      { kind: "secret", allowed_origins: [] },
      { kind: "publishable", allowed_origins: ["*"] },
      { kind: "publishable", allowed_origins: ["https://*.example.com"] },
      { kind: "publishable", allowed_origins: [`${APP}/`] },
      { kind: "publishable", allowed_origins: ["https://App.Example.com"] },
      { kind: "publishable", allowed_origins: ["app.example.com"] },
      { kind: "publishable", allowed_origins: [null] },
      { kind: "publishable", allowed_origins: Array.from({ length: 21 }, (_, i) => `https://a${i}.example.com`) },
    ];
    for (const fields of bad) {
      const res = await sendJson(
        "/v1/api-keys",
        "POST",
        { business_id: owner.businessPublicId, name: "Bad", mode: "live", permissions: ["sms"], ...fields },
        owner.headers,
      );
      expect(res.status, JSON.stringify(fields)).toBe(400);
      expect(await res.json()).toMatchObject({ result: "error", code: "invalid_request" });
    }
  });
});
