import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { openDatabase } from "../../src/storage/db";
import { auditEvents } from "../../src/storage/schema";
import { auditRowsFor, createKey, presentKey, sendAs, signedInOwner } from "../support/api-keys";
import { signedInUser } from "../support/tokens";
import { send, sendJson } from "../support/worker";

const db = () => openDatabase(env.DB);

describe("keys across tenants", () => {
  it("an admin lists every tenant's keys without the keys themselves, and filters by business", async () => {
    const admin = await signedInUser("adminuser");
    const ownerA = await signedInOwner();
    const ownerB = await signedInOwner();
    const keyA = await createKey(ownerA);
    const keyB = await createKey(ownerB);

    const all = await sendAs(admin, "GET", "/v1/admin/api-keys?limit=100");
    const allText = await all.text();
    expect(all.status).toBe(200);
    const ids = (JSON.parse(allText) as { api_keys: Array<{ id: string }> }).api_keys.map((k) => k.id);
    expect(ids).toEqual(expect.arrayContaining([keyA.api_key.id, keyB.api_key.id]));
    expect(allText).not.toContain(keyA.key);
    expect(allText).not.toContain(keyB.key);

    const onlyB = await sendAs(admin, "GET", `/v1/admin/api-keys?business_id=${ownerB.businessPublicId}`);
    const onlyBIds = (await onlyB.json<{ api_keys: Array<{ id: string }> }>()).api_keys.map((k) => k.id);
    expect(onlyBIds).toEqual([keyB.api_key.id]);

    const unknown = await sendAs(admin, "GET", `/v1/admin/api-keys?business_id=${crypto.randomUUID()}`);
    expect(unknown.status).toBe(404);
  });

  it("an admin revokes any tenant's key, which is refused from then on", async () => {
    const admin = await signedInUser("adminuser");
    const owner = await signedInOwner();
    const { key, api_key } = await createKey(owner);
    expect((await presentKey(key)).status).toBe(200);
    const res = await sendAs(admin, "DELETE", `/v1/admin/api-keys/${api_key.id}`);
    expect(res.status).toBe(200);
    expect((await res.json<{ api_key: { status: string } }>()).api_key.status).toBe("revoked");
    const refused = await presentKey(key);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ reason: "revoked" });
    const audit = await auditRowsFor(api_key.id);
    expect(audit.find((row) => row.action === "api_key.revoke")).toMatchObject({
      actorPublicId: admin.publicId,
      tenant: owner.businessPublicId,
    });
    expect((await sendAs(admin, "DELETE", "/v1/admin/api-keys/key_missing")).status).toBe(404);
  });
});

describe("the audit trail", () => {
  it("filters by action, actor and tenant, page by page, and records where the request came from", async () => {
    const admin = await signedInUser("adminuser");
    const owner = await signedInOwner();
    const origin = { "CF-Connecting-IP": "203.0.113.7", "User-Agent": "audit-test/1.0" };
    const first = await sendJson(
      "/v1/api-keys",
      "POST",
      { business_id: owner.businessPublicId, name: "One", kind: "secret", mode: "test", permissions: ["sms"] },
      { ...owner.headers, ...origin },
    );
    const { api_key } = await first.json<{ api_key: { id: string } }>();
    await send(`/v1/api-keys/${api_key.id}`, { method: "DELETE", headers: { ...owner.headers, ...origin } });

    const byTenant = await sendAs(admin, "GET", `/v1/admin/audit-events?tenant=${owner.businessPublicId}&limit=1`);
    const page1 = await byTenant.json<{ events: Array<Record<string, unknown>>; next_cursor: string }>();
    expect(page1.events).toEqual([
      expect.objectContaining({
        action: "api_key.revoke",
        actor_public_id: owner.publicId,
        actor_type: "user",
        tenant: owner.businessPublicId,
        target: api_key.id,
        ip: "203.0.113.7",
        user_agent: "audit-test/1.0",
      }),
    ]);
    const next = await sendAs(
      admin,
      "GET",
      `/v1/admin/audit-events?tenant=${owner.businessPublicId}&limit=1&cursor=${page1.next_cursor}`,
    );
    const page2 = await next.json<{ events: Array<{ action: string }>; next_cursor: string | null }>();
    expect(page2.events.map((e) => e.action)).toEqual(["api_key.create"]);
    expect(page2.next_cursor).toBeNull();

    const byActorAndAction = await sendAs(
      admin,
      "GET",
      `/v1/admin/audit-events?actor=${owner.publicId}&action=api_key.create`,
    );
    const filtered = await byActorAndAction.json<{ events: Array<{ target: string; action: string }> }>();
    expect(filtered.events).toEqual([expect.objectContaining({ action: "api_key.create", target: api_key.id })]);
  });

  it("reading the audit trail is not itself audited, and a bad cursor is a 400", async () => {
    const admin = await signedInUser("adminuser");
    await sendAs(admin, "GET", "/v1/admin/audit-events");
    const mine = await db().select().from(auditEvents).where(eq(auditEvents.actorPublicId, admin.publicId));
    // Signing in is on record; reading the trail is not.
    expect(mine.map((row) => row.action)).toEqual(["auth.login"]);
    expect((await sendAs(admin, "GET", "/v1/admin/audit-events?cursor=-1")).status).toBe(400);
    expect((await sendAs(admin, "GET", "/v1/admin/audit-events?limit=1000")).status).toBe(400);
  });
});
