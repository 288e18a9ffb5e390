import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { generateApiKey } from "../../src/crypto/api-key-format";
import { readApiKeyForVerification } from "../../src/storage/api-keys";
import { openDatabase } from "../../src/storage/db";
import { apiKeys, businesses } from "../../src/storage/schema";
import { createBusiness } from "../support/tenants";

/**
 * The verification read is built once and decoded by the columns' own mappers
 * (`storage/compiled-read.ts`): what it returns must be what drizzle's own select returns.
 */
const db = openDatabase(env.DB);

const recordOf = async (hash: string) => (await readApiKeyForVerification(db, hash)).record;

async function newestChangeSeq(): Promise<number> {
  const row = await env.DB.prepare("SELECT coalesce(max(seq), 0) AS seq FROM api_key_changes").first<{ seq: number }>();
  return row?.seq ?? -1;
}

async function insertKey(values: Partial<typeof apiKeys.$inferInsert>, businessStatus: "verified" | "suspended") {
  const business = await createBusiness(`Compiled ${businessStatus}`);
  await db.update(businesses).set({ status: businessStatus }).where(eq(businesses.id, business.id));
  const key = await generateApiKey("publishable", "test");
  await db.insert(apiKeys).values({
    publicId: `key_compiled_${crypto.randomUUID().slice(0, 8)}`,
    businessId: business.id,
    name: "Compiled",
    kind: "publishable",
    mode: "test",
    permissions: ["sms", "email"],
    hash: key.lookupHash,
    displayPrefix: key.displayPrefix,
    ...values,
  });
  const [row] = await db.select().from(apiKeys).where(eq(apiKeys.hash, key.lookupHash));
  if (!row) throw new Error("insert failed");
  return { row, tenantId: business.publicId, hash: key.lookupHash };
}

async function keyBusinessOf(hash: string): Promise<number | undefined> {
  const [row] = await db.select({ businessId: apiKeys.businessId }).from(apiKeys).where(eq(apiKeys.hash, hash));
  return row?.businessId;
}

describe("the verification read, built once", () => {
  it("decodes every column as drizzle's select does, set timestamps, JSON lists and a suspended business", async () => {
    const { row, tenantId, hash } = await insertKey(
      {
        allowedOrigins: ["https://app.example.com", "http://localhost:5173"],
        expiresAt: new Date(1_900_000_000_123),
        revokedAt: new Date(1_800_000_000_456),
        graceUntil: new Date(1_800_000_360_789),
      },
      "suspended",
    );
    expect(await recordOf(hash)).toEqual({
      id: row.id,
      publicId: row.publicId,
      businessId: row.businessId,
      tenantId,
      businessSuspended: true,
      kind: "publishable",
      mode: "test",
      permissions: ["sms", "email"],
      allowedOrigins: ["https://app.example.com", "http://localhost:5173"],
      expiresAt: 1_900_000_000_123,
      revokedAt: 1_800_000_000_456,
      graceUntil: 1_800_000_360_789,
    });
  });

  it("keeps null columns null and tells a verified business from a suspended one", async () => {
    const { row, tenantId, hash } = await insertKey({}, "verified");
    expect(await recordOf(hash)).toEqual({
      id: row.id,
      publicId: row.publicId,
      businessId: row.businessId,
      tenantId,
      businessSuspended: false,
      kind: "publishable",
      mode: "test",
      permissions: ["sms", "email"],
      allowedOrigins: null,
      expiresAt: null,
      revokedAt: null,
      graceUntil: null,
    });
  });

  it("finds nothing for an unknown hash, and no feed position with it", async () => {
    expect(await readApiKeyForVerification(db, "no-such-hash")).toEqual({ record: null, asOfSeq: null });
  });

  it("carries the change feed's newest seq, a number, as of the same read", async () => {
    const { hash } = await insertKey({}, "verified");
    const { asOfSeq } = await readApiKeyForVerification(db, hash);
    expect(asOfSeq).toBe(await newestChangeSeq());
    // Suspending the business adds the key's row to the feed (a trigger): the next read is past it.
    await db
      .update(businesses)
      .set({ status: "suspended" })
      .where(eq(businesses.id, (await keyBusinessOf(hash)) ?? -1));
    expect((await readApiKeyForVerification(db, hash)).asOfSeq).toBeGreaterThan(asOfSeq ?? Infinity);
  });
});
