import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { openDatabase } from "../../src/storage/db";
import { apiKeys } from "../../src/storage/schema";
import { auditRowsFor, createKey, keyRowsOfBusiness, presentKey, signedInOwner } from "../support/api-keys";
import { send } from "../support/worker";

describe("rolling API keys", () => {
  it("a rolled key is replaced by a new one and keeps working through its grace period", async () => {
    const owner = await signedInOwner();
    const old = await createKey(owner, { name: "Rolling", permissions: ["sms", "email"] });
    const res = await send(`/v1/api-keys/${old.api_key.id}/roll`, { method: "POST", headers: owner.headers });
    const body = await res.json<{
      key: string;
      api_key: Record<string, unknown>;
      previous: Record<string, unknown> & { grace_until: string };
    }>();
    expect(res.status, JSON.stringify(body)).toBe(201);
    expect(body.key).not.toBe(old.key);
    expect(body.key.startsWith("sk_test_")).toBe(true);
    expect(body.api_key).toMatchObject({ name: "Rolling", permissions: ["sms", "email"], status: "active" });
    expect(body.previous).toMatchObject({ id: old.api_key.id, status: "rolled", replaced_by: body.api_key.id });
    const graceMs = Date.parse(body.previous.grace_until) - Date.now();
    expect(graceMs).toBeGreaterThan(86_400_000 - 60_000);
    expect(graceMs).toBeLessThanOrEqual(86_400_000);

    expect((await presentKey(old.key)).status).toBe(200);
    expect((await presentKey(body.key)).status).toBe(200);

    const audit = await auditRowsFor(old.api_key.id);
    expect(audit.map((row) => row.action).sort()).toEqual(["api_key.create", "api_key.roll"]);
    expect(JSON.stringify(audit)).not.toContain(body.key);
  });

  it("once the grace period is over the old key is refused as revoked, on every later request too", async () => {
    const owner = await signedInOwner();
    const old = await createKey(owner);
    expect((await presentKey(old.key)).status).toBe(200); // warm every cache tier first
    const res = await send(
      `/v1/api-keys/${old.api_key.id}/roll`,
      { method: "POST", headers: owner.headers },
      { API_KEY_ROLL_GRACE_SECONDS: "0" },
    );
    expect(res.status).toBe(201);
    const { key: successor } = await res.json<{ key: string }>();
    for (let attempt = 0; attempt < 3; attempt++) {
      const refused = await presentKey(old.key);
      expect(refused.status).toBe(401);
      expect(await refused.json()).toMatchObject({ error: "invalid_api_key", reason: "revoked" });
    }
    expect((await presentKey(successor)).status).toBe(200);
  });

  it("a key can be rolled only once, and a revoked key not at all", async () => {
    const owner = await signedInOwner();
    const key = await createKey(owner);
    expect((await send(`/v1/api-keys/${key.api_key.id}/roll`, { method: "POST", headers: owner.headers })).status).toBe(
      201,
    );
    const again = await send(`/v1/api-keys/${key.api_key.id}/roll`, { method: "POST", headers: owner.headers });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ code: "api_key_inactive" });

    const other = await createKey(owner);
    await send(`/v1/api-keys/${other.api_key.id}`, { method: "DELETE", headers: owner.headers });
    const rollRevoked = await send(`/v1/api-keys/${other.api_key.id}/roll`, { method: "POST", headers: owner.headers });
    expect(rollRevoked.status).toBe(409);
    expect(await keyRowsOfBusiness(owner.businessPublicId)).toHaveLength(3);
  });
});

describe("revoking API keys", () => {
  it("a revoked key is refused at once and on every later request, though caches held it", async () => {
    const owner = await signedInOwner();
    const { key, api_key } = await createKey(owner);
    for (let i = 0; i < 3; i++) expect((await presentKey(key)).status).toBe(200);

    const res = await send(`/v1/api-keys/${api_key.id}`, { method: "DELETE", headers: owner.headers });
    expect(res.status).toBe(200);
    expect((await res.json<{ api_key: { status: string; revoked_at: string } }>()).api_key).toMatchObject({
      status: "revoked",
      revoked_at: expect.any(String),
    });

    for (let i = 0; i < 3; i++) {
      const refused = await presentKey(key);
      expect(refused.status).toBe(401);
      expect(refused.headers.get("WWW-Authenticate")).toBe('ApiKey realm="gatehouse", error="invalid_token"');
      expect(await refused.json()).toEqual({
        error: "invalid_api_key",
        message: "The API key is invalid, revoked or expired.",
        reason: "revoked",
      });
    }
  });

  it("revoking twice changes nothing the second time and is audited once", async () => {
    const owner = await signedInOwner();
    const { api_key } = await createKey(owner);
    const first = await send(`/v1/api-keys/${api_key.id}`, { method: "DELETE", headers: owner.headers });
    const second = await send(`/v1/api-keys/${api_key.id}`, { method: "DELETE", headers: owner.headers });
    expect(second.status).toBe(200);
    const firstBody = await first.json<{ api_key: { revoked_at: string } }>();
    const secondBody = await second.json<{ api_key: { revoked_at: string } }>();
    expect(secondBody.api_key.revoked_at).toBe(firstBody.api_key.revoked_at);
    const audit = await auditRowsFor(api_key.id);
    expect(audit.filter((row) => row.action === "api_key.revoke")).toHaveLength(1);
  });

  it("revoking a rolled key ends its grace period at once, and its successor lives on", async () => {
    const owner = await signedInOwner();
    const old = await createKey(owner);
    const rolled = await send(`/v1/api-keys/${old.api_key.id}/roll`, { method: "POST", headers: owner.headers });
    const { key: successor } = await rolled.json<{ key: string }>();
    expect((await presentKey(old.key)).status).toBe(200);
    await send(`/v1/api-keys/${old.api_key.id}`, { method: "DELETE", headers: owner.headers });
    expect((await presentKey(old.key)).status).toBe(401);
    expect((await presentKey(successor)).status).toBe(200);
  });

  it("a key whose expiry has passed is refused as expired", async () => {
    const owner = await signedInOwner();
    const { key, api_key } = await createKey(owner, { expires_at: new Date(Date.now() + 3_600_000).toISOString() });
    // Time passing, without sleeping: move the stored expiry into the past before first use.
    await openDatabase(env.DB)
      .update(apiKeys)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(apiKeys.publicId, api_key.id));
    const refused = await presentKey(key);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ reason: "expired" });
    const get = await send(`/v1/api-keys/${api_key.id}`, { headers: owner.headers });
    expect((await get.json<{ api_key: { status: string } }>()).api_key.status).toBe("expired");
  });
});
