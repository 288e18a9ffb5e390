import { describe, expect, it } from "vitest";
import {
  auditRowsFor,
  createKey,
  keyRowByPublicId,
  keyRowsOfBusiness,
  presentKey,
  signedInOwner,
} from "../support/api-keys";
import { signedInUser } from "../support/tokens";
import { send, sendJson } from "../support/worker";

const FORMATS = [
  { kind: "publishable", mode: "test", prefix: "pk_test_", permissions: [] },
  { kind: "secret", mode: "test", prefix: "sk_test_", permissions: ["sms", "email"] },
  { kind: "publishable", mode: "live", prefix: "pk_live_", permissions: ["sms"] },
  { kind: "secret", mode: "live", prefix: "sk_live_", permissions: ["sms", "email", "whatsapp", "templates", "bulk"] },
] as const;

describe("creating API keys", () => {
  it.each(FORMATS)("a member creates a $prefix key, sees it once, and it authenticates", async (format) => {
    const owner = await signedInOwner();
    const res = await sendJson(
      "/v1/api-keys",
      "POST",
      {
        business_id: owner.businessPublicId,
        name: "Server",
        kind: format.kind,
        mode: format.mode,
        permissions: format.permissions,
      },
      owner.headers,
    );
    const body = await res.json<{ key: string; api_key: Record<string, unknown> }>();
    expect(res.status, JSON.stringify(body)).toBe(201);
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    expect(body.key.startsWith(format.prefix)).toBe(true);
    expect(body.api_key.id).toMatch(/^key_[1-9A-HJ-NP-Za-km-z]{22}$/);
    expect(body.api_key).toMatchObject({
      business_id: owner.businessPublicId,
      name: "Server",
      kind: format.kind,
      mode: format.mode,
      permissions: format.permissions,
      allowed_origins: null,
      display_prefix: body.key.slice(0, 12),
      status: "active",
      created_by: owner.publicId,
      usage_count: 0,
      revoked_at: null,
      expires_at: null,
    });

    const check = await presentKey(body.key);
    expect(check.status).toBe(200);
    expect(await check.json()).toEqual({
      principal: {
        method: "api_key",
        key_id: body.api_key.id,
        tenant_id: owner.businessPublicId,
        kind: format.kind,
        mode: format.mode,
        permissions: format.permissions,
      },
    });
  });

  it("the key is stored only as a hash: no column holds the plaintext", async () => {
    const owner = await signedInOwner();
    const { key, api_key } = await createKey(owner);
    const row = await keyRowByPublicId(api_key.id);
    expect(row).toBeDefined();
    expect(JSON.stringify(row)).not.toContain(key);
    expect(JSON.stringify(row)).not.toContain(key.slice(12));
    expect(row?.hash).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("an expiry in the future is kept", async () => {
    const owner = await signedInOwner();
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const { key, api_key } = await createKey(owner, { expires_at: expiresAt });
    expect(api_key.expires_at).toBe(expiresAt);
    expect((await presentKey(key)).status).toBe(200);
  });

  const badBodies: Array<[string, Record<string, unknown>, number]> = [
    ["an unknown permission", { permissions: ["sms", "fax"] }, 400],
    ["an unknown mode", { mode: "prod" }, 400],
    ["an unknown kind", { kind: "restricted" }, 400],
    ["an origin list on a secret key", { kind: "secret", allowed_origins: ["https://app.example.com"] }, 400],
    ["an origin with a path", { kind: "publishable", allowed_origins: ["https://app.example.com/"] }, 400],
    ["a wildcard origin", { kind: "publishable", allowed_origins: ["https://*.example.com"] }, 400],
    ["an origin list that is not a list", { kind: "publishable", allowed_origins: "https://app.example.com" }, 400],
    ["an expiry in the past", { expires_at: new Date(Date.now() - 1000).toISOString() }, 400],
    ["an expiry that is not a date", { expires_at: "tomorrow" }, 400],
    ["an empty name", { name: "  " }, 400],
    ["a name too long", { name: "n".repeat(101) }, 400],
    ["a name with a right-to-left override", { name: "\u202eevil" }, 400],
    ["an unknown field", { permission: ["sms"] }, 400],
    ["a business that does not exist", { business_id: crypto.randomUUID() }, 404],
  ];

  it.each(badBodies)("%s is refused and nothing is created", async (_story, fields, status) => {
    const owner = await signedInOwner();
    const res = await sendJson(
      "/v1/api-keys",
      "POST",
      {
        business_id: owner.businessPublicId,
        name: "Bad",
        kind: "secret",
        mode: "test",
        permissions: ["sms"],
        ...fields,
      },
      owner.headers,
    );
    const body = await res.json<{ result: string; code: string }>();
    expect(res.status, JSON.stringify(body)).toBe(status);
    expect(body.result).toBe("error");
    expect(await keyRowsOfBusiness(owner.businessPublicId)).toHaveLength(0);
  });

  it("a key for someone else's business is refused as not found, and nothing is created", async () => {
    const owner = await signedInOwner();
    const stranger = await signedInOwner();
    const res = await sendJson(
      "/v1/api-keys",
      "POST",
      { business_id: owner.businessPublicId, name: "Sneaky", kind: "secret", mode: "live", permissions: ["sms"] },
      stranger.headers,
    );
    expect(res.status).toBe(404);
    expect(await keyRowsOfBusiness(owner.businessPublicId)).toHaveLength(0);
  });

  it("malformed JSON, a wrong content type and no token are refused before anything is created", async () => {
    const owner = await signedInOwner();
    const malformed = await send("/v1/api-keys", {
      method: "POST",
      headers: { ...owner.headers, "Content-Type": "application/json" },
      body: "{",
    });
    expect(malformed.status).toBe(400);
    const wrongType = await send("/v1/api-keys", {
      method: "POST",
      headers: { ...owner.headers, "Content-Type": "text/plain" },
      body: JSON.stringify({ business_id: owner.businessPublicId, name: "x", kind: "secret", mode: "test" }),
    });
    expect(wrongType.status).toBe(415);
    const anonymous = await sendJson("/v1/api-keys", "POST", {
      business_id: owner.businessPublicId,
      name: "x",
      kind: "secret",
      mode: "test",
    });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("WWW-Authenticate")).toBe('Bearer realm="gatehouse"');
    expect(await keyRowsOfBusiness(owner.businessPublicId)).toHaveLength(0);
  });

  it("an admin may create a key for any business", async () => {
    const owner = await signedInOwner();
    const admin = await signedInUser("adminuser");
    const res = await sendJson(
      "/v1/api-keys",
      "POST",
      { business_id: owner.businessPublicId, name: "Ops", kind: "secret", mode: "live", permissions: ["bulk"] },
      admin.headers,
    );
    expect(res.status).toBe(201);
    expect((await res.json<{ api_key: { created_by: string } }>()).api_key.created_by).toBe(admin.publicId);
  });

  it("creating a key writes an audit row naming the actor, tenant and key", async () => {
    const owner = await signedInOwner();
    const { key, api_key } = await createKey(owner);
    const rows = await auditRowsFor(api_key.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      action: "api_key.create",
      actorPublicId: owner.publicId,
      actorType: "user",
      tenant: owner.businessPublicId,
    });
    expect(JSON.stringify(rows[0])).not.toContain(key);
  });
});

describe("listing and reading API keys", () => {
  it("list and get show the keys of a business but never a key itself", async () => {
    const owner = await signedInOwner();
    const first = await createKey(owner, { name: "First" });
    const second = await createKey(owner, { name: "Second", kind: "publishable", permissions: [] });

    const list = await send(`/v1/api-keys?business_id=${owner.businessPublicId}`, { headers: owner.headers });
    const listText = await list.text();
    expect(list.status).toBe(200);
    const listed = JSON.parse(listText) as { api_keys: Array<{ id: string }>; next_cursor: string | null };
    expect(listed.api_keys.map((key) => key.id)).toEqual([second.api_key.id, first.api_key.id]);
    expect(listed.next_cursor).toBeNull();

    const get = await send(`/v1/api-keys/${first.api_key.id}`, { headers: owner.headers });
    const getText = await get.text();
    expect(get.status).toBe(200);
    expect(JSON.parse(getText).api_key).toMatchObject({ id: first.api_key.id, name: "First" });

    const row = await keyRowByPublicId(first.api_key.id);
    for (const text of [listText, getText]) {
      expect(text).not.toContain(first.key);
      expect(text).not.toContain(second.key);
      expect(text).not.toContain(row?.hash);
      expect(text).not.toContain('"hash"');
    }
  });

  it("lists page by page with a cursor", async () => {
    const owner = await signedInOwner();
    const created = [];
    for (let i = 0; i < 3; i++) created.push((await createKey(owner, { name: `Key ${i}` })).api_key.id);
    const page1 = await send(`/v1/api-keys?business_id=${owner.businessPublicId}&limit=2`, { headers: owner.headers });
    const body1 = await page1.json<{ api_keys: Array<{ id: string }>; next_cursor: string }>();
    expect(body1.api_keys.map((k) => k.id)).toEqual([created[2], created[1]]);
    const page2 = await send(`/v1/api-keys?business_id=${owner.businessPublicId}&limit=2&cursor=${body1.next_cursor}`, {
      headers: owner.headers,
    });
    const body2 = await page2.json<{ api_keys: Array<{ id: string }>; next_cursor: string | null }>();
    expect(body2.api_keys.map((k) => k.id)).toEqual([created[0]]);
    expect(body2.next_cursor).toBeNull();
    const bad = await send(`/v1/api-keys?business_id=${owner.businessPublicId}&cursor=abc`, { headers: owner.headers });
    expect(bad.status).toBe(400);
  });

  it("a member of business A cannot see, roll or revoke business B's keys, which keep working", async () => {
    const ownerA = await signedInOwner();
    const ownerB = await signedInOwner();
    const keyB = await createKey(ownerB);

    const list = await send(`/v1/api-keys?business_id=${ownerB.businessPublicId}`, { headers: ownerA.headers });
    const get = await send(`/v1/api-keys/${keyB.api_key.id}`, { headers: ownerA.headers });
    const roll = await send(`/v1/api-keys/${keyB.api_key.id}/roll`, { method: "POST", headers: ownerA.headers });
    const revoke = await send(`/v1/api-keys/${keyB.api_key.id}`, { method: "DELETE", headers: ownerA.headers });
    const missing = await send("/v1/api-keys/key_doesnotexist", { headers: ownerA.headers });

    for (const res of [list, get, roll, revoke]) expect(res.status).toBe(404);
    // Another tenant's key is indistinguishable from one that does not exist.
    expect(await get.json()).toEqual(await missing.json());

    const row = await keyRowByPublicId(keyB.api_key.id);
    expect(row).toMatchObject({ revokedAt: null, replacedBy: null, graceUntil: null });
    expect(await keyRowsOfBusiness(ownerB.businessPublicId)).toHaveLength(1);
    expect((await presentKey(keyB.key)).status).toBe(200);
  });

  it("a malformed key id is a 400, not a look-up", async () => {
    const owner = await signedInOwner();
    const res = await send("/v1/api-keys/not-a-key-id", { headers: owner.headers });
    expect(res.status).toBe(400);
  });
});
