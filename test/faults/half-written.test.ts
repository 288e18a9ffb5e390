import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { insertSuccessorAndRoll } from "../../src/storage/api-keys";
import { openDatabase } from "../../src/storage/db";
import { createKey, keyRowByPublicId, keyRowsOfBusiness, presentKey, signedInOwner } from "../support/api-keys";
import { claimsOf, familyRows } from "../support/pers";
import { tenantTrustingProvider } from "../support/pers-session";
import { send, sendJson } from "../support/worker";
import { expectUnavailable } from "./expect-unavailable";
import { faultyD1, faultyKv } from "./faulty-bindings";

/** A failure at the Nth write leaves D1 and KV unchanged or consistent, and hands out nothing. */

afterEach(() => {
  vi.restoreAllMocks();
});

async function keyCountOf(businessPublicId: string): Promise<number> {
  return (await keyRowsOfBusiness(businessPublicId)).length;
}

describe("API keys", () => {
  it("create with D1 refusing the insert: 503, no row, no key shown", async () => {
    const owner = await signedInOwner();
    const before = await keyCountOf(owner.businessPublicId);
    const res = await sendJson(
      "/v1/api-keys",
      "POST",
      { business_id: owner.businessPublicId, name: "Never", kind: "secret", mode: "test", permissions: ["sms"] },
      owner.headers,
      { DB: faultyD1(env.DB, { fail: "writes" }).binding },
    );
    await expectUnavailable(res, "ping");
    expect(await keyCountOf(owner.businessPublicId)).toBe(before);
  });

  it("roll with D1 failing at its write: 503, the old key still active and working, no successor row", async () => {
    const owner = await signedInOwner();
    const created = await createKey(owner);
    const before = await keyCountOf(owner.businessPublicId);
    const d1 = faultyD1(env.DB, { fail: "writes" });
    const res = await send(
      `/v1/api-keys/${created.api_key.id}/roll`,
      { method: "POST", headers: owner.headers },
      { DB: d1.binding },
    );
    await expectUnavailable(res, "ping");
    // The insert, the claim and the loser's delete are one batch: one write, attempted once.
    expect(d1.calls.filter((call) => call.kind === "write")).toEqual([
      expect.objectContaining({ what: "batch of 3", failed: true }),
    ]);
    expect(await keyCountOf(owner.businessPublicId)).toBe(before);
    const row = await keyRowByPublicId(created.api_key.id);
    expect(row?.replacedBy).toBeNull();
    expect(row?.graceUntil).toBeNull();
    expect((await presentKey(created.key)).status).toBe(200);
  });

  it("roll with D1 failing from its second write on: rolled whole (its rows are one write), only the audit row lost", async () => {
    const owner = await signedInOwner();
    const created = await createKey(owner);
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    const res = await send(
      `/v1/api-keys/${created.api_key.id}/roll`,
      { method: "POST", headers: owner.headers },
      { DB: faultyD1(env.DB, { fail: "writes", afterWrites: 1 }).binding },
    );
    expect(res.status).toBe(201);
    const body = (await res.json()) as { api_key: { id: string } };
    const old = await keyRowByPublicId(created.api_key.id);
    const successor = await keyRowByPublicId(body.api_key.id);
    expect(successor).toBeDefined();
    expect(old?.replacedBy).toBe(successor?.id);
  });

  it("the loser of two rolls of one key leaves no successor behind", async () => {
    const owner = await signedInOwner();
    const created = await createKey(owner);
    const old = await keyRowByPublicId(created.api_key.id);
    if (!old) throw new Error("no key row");
    const db = openDatabase(env.DB);
    const successor = (suffix: string) => ({
      publicId: `key_roll_${suffix}_${crypto.randomUUID().slice(0, 8)}`,
      businessId: old.businessId,
      name: old.name,
      kind: old.kind,
      mode: old.mode,
      permissions: old.permissions,
      allowedOrigins: old.allowedOrigins,
      hash: `hash-${crypto.randomUUID()}`,
      displayPrefix: "sk_test_x",
      createdBy: old.createdBy,
      createdAt: new Date(),
      expiresAt: old.expiresAt,
    });
    const grace = new Date(Date.now() + 60_000);
    const winner = await insertSuccessorAndRoll(db, old.id, successor("a"), grace);
    const loser = await insertSuccessorAndRoll(db, old.id, successor("b"), grace);
    expect(winner?.rolled.replacedBy).toBe(winner?.successor.id);
    expect(loser).toBeNull();
    const rows = await keyRowsOfBusiness(owner.businessPublicId);
    expect(rows.map((row) => row.key.publicId).sort()).toEqual([old.publicId, winner?.successor.publicId].sort());
  });

  it("revoke with the Cache API failing: revoked all the same (the cache is only a shortcut)", async () => {
    const owner = await signedInOwner();
    const created = await createKey(owner);
    vi.spyOn(caches.default, "delete").mockRejectedValue(new Error("cache unavailable"));
    vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const res = await send(`/v1/api-keys/${created.api_key.id}`, { method: "DELETE", headers: owner.headers });
    expect(res.status).toBe(200);
    expect((await keyRowByPublicId(created.api_key.id))?.revokedAt).not.toBeNull();
  });
});

describe("PERS", () => {
  it("exchange with KV refusing the family record: 503 and no token pair handed out", async () => {
    const { tenant, idp } = await tenantTrustingProvider();
    const res = await sendJson(
      "/v2/auth/token",
      "POST",
      { authToken: await idp.token("kv-down") },
      { "X-API-Key": tenant.projectKey },
      { KV: faultyKv(env.KV, { fail: "writes" }).binding },
    );
    await expectUnavailable(res, "pers");
  });

  it("refresh with D1 failing its rotation: the family is neither rotated nor revoked", async () => {
    const { tenant, idp } = await tenantTrustingProvider({ alg: "ES256" });
    const started = await sendJson(
      "/v2/auth/token",
      "POST",
      { authToken: await idp.token("rotation") },
      { "X-API-Key": tenant.projectKey },
    );
    const pair = (await started.json()) as { refreshToken: string };
    const familyId = claimsOf(pair.refreshToken).family_id;
    const before = await familyRows(familyId);
    const res = await sendJson(
      "/v2/auth/refresh",
      "POST",
      { refreshToken: pair.refreshToken },
      { "x-project-key": tenant.projectKey },
      { DB: faultyD1(env.DB, { fail: "writes" }).binding },
    );
    await expectUnavailable(res, "pers");
    expect(await familyRows(familyId)).toEqual(before);
  });
});
