import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq, inArray } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { generateApiKey } from "../../src/crypto/api-key-format";
import worker from "../../src/index";
import { addApiKeyUsage, insertSuccessorAndRoll, markApiKeyRevoked } from "../../src/storage/api-keys";
import { updateBusiness } from "../../src/storage/businesses";
import { openDatabase } from "../../src/storage/db";
import { apiKeyChanges, apiKeys } from "../../src/storage/schema";
import { issueKeys } from "../support/api-keys";
import { createBusiness } from "../support/tenants";

/**
 * The key change feed is written by triggers (migration 0009): every write that changes what
 * verifies a key adds a row per key it affects, and nothing else adds any.
 */
const db = openDatabase(env.DB);
const DAY_MS = 86_400_000;

async function changesOf(hashes: string[]): Promise<string[]> {
  const rows = await db
    .select({ hash: apiKeyChanges.lookupHash })
    .from(apiKeyChanges)
    .where(inArray(apiKeyChanges.lookupHash, hashes))
    .orderBy(apiKeyChanges.seq);
  return rows.map((row) => row.hash);
}

async function keysWithIds(name: string, count: number) {
  const business = await createBusiness(name);
  const keys = await issueKeys(business.id, count);
  const rows = await db
    .select({ id: apiKeys.id, hash: apiKeys.hash })
    .from(apiKeys)
    .where(eq(apiKeys.businessId, business.id));
  const idOf = new Map(rows.map((row) => [row.hash, row.id]));
  return { business, keys: keys.map((key) => ({ ...key, id: idOf.get(key.hash) ?? -1 })) };
}

describe("the API-key change feed", () => {
  it("gets a row when a key is revoked, and none when revoking it again changes nothing", async () => {
    const { keys } = await keysWithIds("Feed Revoke Co", 1);
    const [key] = keys;
    if (!key) throw new Error("no key");
    expect(await changesOf([key.hash])).toEqual([]);
    expect(await markApiKeyRevoked(db, key.id, new Date())).toBe(true);
    expect(await changesOf([key.hash])).toEqual([key.hash]);
    expect(await markApiKeyRevoked(db, key.id, new Date())).toBe(false);
    expect(await changesOf([key.hash])).toEqual([key.hash]);
  });

  it("gets a row for a rolled key, none for its new successor", async () => {
    const { business, keys } = await keysWithIds("Feed Roll Co", 1);
    const [key] = keys;
    if (!key) throw new Error("no key");
    const successor = await generateApiKey("secret", "live");
    const rolled = await insertSuccessorAndRoll(
      db,
      key.id,
      {
        publicId: `key_feed_roll_${crypto.randomUUID().slice(0, 8)}`,
        businessId: business.id,
        name: "rolled",
        kind: "secret",
        mode: "live",
        permissions: ["sms"],
        hash: successor.lookupHash,
        displayPrefix: successor.displayPrefix,
        createdBy: null,
        createdAt: new Date(),
        expiresAt: null,
      },
      new Date(Date.now() + DAY_MS),
    );
    expect(rolled).not.toBeNull();
    expect(await changesOf([key.hash, successor.lookupHash])).toEqual([key.hash]);
  });

  it("gets a row for every key of a business whose status changes, none for a new name", async () => {
    const { business, keys } = await keysWithIds("Feed Suspend Co", 3);
    const hashes = keys.map((key) => key.hash);
    await updateBusiness(db, business.id, { name: "Feed Suspend Co, renamed" }, new Date());
    expect(await changesOf(hashes)).toEqual([]);
    await updateBusiness(db, business.id, { status: "suspended" }, new Date());
    expect((await changesOf(hashes)).sort()).toEqual([...hashes].sort());
  });

  it("gets a row for a deleted key", async () => {
    const { keys } = await keysWithIds("Feed Delete Co", 1);
    const [key] = keys;
    if (!key) throw new Error("no key");
    await db.delete(apiKeys).where(eq(apiKeys.id, key.id));
    expect(await changesOf([key.hash])).toEqual([key.hash]);
  });

  it("gets nothing from a usage flush, which writes only counts", async () => {
    const { keys } = await keysWithIds("Feed Usage Co", 2);
    const usages = keys.map((key) => ({ keyId: key.id, count: 3, lastUsedAt: Date.now() }));
    expect(await addApiKeyUsage(db, usages, [])).toBeGreaterThan(0);
    expect(await changesOf(keys.map((key) => key.hash))).toEqual([]);
  });

  it("keeps its rows for a day: the daily cron deletes older ones", async () => {
    const runAt = Date.now() - 20_000 * DAY_MS;
    const rows = await db
      .insert(apiKeyChanges)
      .values([
        { lookupHash: "feed-retention-old", changedAt: runAt - DAY_MS - 1 },
        { lookupHash: "feed-retention-kept", changedAt: runAt - DAY_MS + 1000 },
      ])
      .returning({ hash: apiKeyChanges.lookupHash });
    expect(rows).toHaveLength(2);
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: runAt, cron: "17 3 * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
    expect(await changesOf(["feed-retention-old", "feed-retention-kept"])).toEqual(["feed-retention-kept"]);
  });
});
