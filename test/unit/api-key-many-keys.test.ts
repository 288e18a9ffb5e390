import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { generateApiKey } from "../../src/crypto/api-key-format";
import { AppError } from "../../src/errors";
import { forgetApiKey, knownApiKeyBytes, resizeApiKeyCache } from "../../src/services/api-keys/key-lookup";
import { verifyApiKey } from "../../src/services/api-keys/verification";
import type { Deps } from "../../src/services/deps";
import { type ApiKeyRecord, markApiKeyRevoked } from "../../src/storage/api-keys";
import { countingDatabase, issueKeys } from "../support/api-keys";
import { testDeps } from "../support/deps";
import { createBusiness } from "../support/tenants";

/**
 * Cycling through 12,000 keys one request at a time takes minutes on a loaded machine (each cold
 * request also hands usage counts to D1 and KV), so these tests shrink the memory tier's budget
 * to what six hundred keys need, with the real budget's proportions: room for a quarter more than
 * are cycled. That the real budget holds far more than 12,000 such entries is shown by arithmetic
 * in isolate-memory.test.ts.
 */
const KEY_COUNT = 600;
const SECOND = 1000;

async function refusalOf(work: Promise<unknown>): Promise<string | null> {
  try {
    await work;
    return null;
  } catch (err) {
    if (err instanceof AppError) return String(err.options.reason);
    throw err;
  }
}

/** A budget with room for `entries` of this file's keys, by the size function the cache uses. */
async function budgetFor(entries: number): Promise<number> {
  const key = await generateApiKey("secret", "live");
  const record: ApiKeyRecord = {
    id: 100_000,
    publicId: "key_many_00000000_0000",
    businessId: 1_000,
    tenantId: crypto.randomUUID(),
    businessSuspended: false,
    kind: "secret",
    mode: "live",
    permissions: ["sms"],
    allowedOrigins: null,
    expiresAt: null,
    revokedAt: null,
    graceUntil: null,
  };
  const parsed = { kind: key.kind, mode: key.mode, lookupHash: key.lookupHash };
  return entries * knownApiKeyBytes(key.plaintext, { parsed, record, asOfSeq: 1 });
}

afterEach(() => {
  vi.restoreAllMocks();
  resizeApiKeyCache();
});

describe("many API keys in use in one isolate", () => {
  it("stay warm within the budget: a second cycle through all of them reads neither D1 nor the Cache API", async () => {
    resizeApiKeyCache(await budgetFor(Math.ceil(KEY_COUNT * 1.25)));
    const clock = await testDeps();
    const business = await createBusiness("Many Keys Co");
    const keys = await issueKeys(business.id, KEY_COUNT);
    const d1 = countingDatabase();
    const t0 = Date.now();
    const at = (ms: number): Deps => ({ ...clock.at(ms), db: d1.db });

    for (const key of keys) await verifyApiKey(at(t0), key.plaintext);
    await clock.settle();
    // The cold cycle did read: one D1 read per key (the Cache API had none of them).
    expect(d1.reads()).toBeGreaterThanOrEqual(KEY_COUNT);

    const readsBefore = d1.reads();
    const edgeReads = vi.spyOn(caches.default, "match");
    for (const key of keys) await verifyApiKey(at(t0 + SECOND), key.plaintext);
    await clock.settle();
    expect(d1.reads() - readsBefore).toBe(0);
    expect(edgeReads).not.toHaveBeenCalled();
  });

  it("a key in use stays warm while a flood of new keys passes through a cache too small for them", async () => {
    resizeApiKeyCache(await budgetFor(100));
    const clock = await testDeps();
    const business = await createBusiness("Many Keys Flood Co");
    const [hot, ...flood] = await issueKeys(business.id, 400);
    if (!hot) throw new Error("no keys");
    const d1 = countingDatabase();
    const t0 = Date.now();
    const at = (ms: number): Deps => ({ ...clock.at(ms), db: d1.db });
    await verifyApiKey(at(t0), hot.plaintext);
    await clock.settle();
    const edgeReads = vi.spyOn(caches.default, "match");

    let hotReads = 0;
    for (const key of flood) {
      await verifyApiKey(at(t0 + SECOND), key.plaintext);
      const [d1Before, edgeBefore] = [d1.reads(), edgeReads.mock.calls.length];
      await verifyApiKey(at(t0 + SECOND), hot.plaintext);
      hotReads += d1.reads() - d1Before + edgeReads.mock.calls.length - edgeBefore;
    }
    await clock.settle();
    expect(hotReads).toBe(0);
    // The flood itself went to storage: the cache could not hold it, and did not try to.
    expect(d1.reads()).toBeGreaterThanOrEqual(flood.length);
    // The oldest of the flood were evicted: presenting one again reads storage.
    const [first] = flood;
    const readsBefore = d1.reads() + edgeReads.mock.calls.length;
    await verifyApiKey(at(t0 + SECOND), first?.plaintext ?? "");
    expect(d1.reads() + edgeReads.mock.calls.length).toBeGreaterThan(readsBefore);
    await clock.settle();
  });

  it("a key revoked elsewhere among them is refused once the change feed is read again", async () => {
    const clock = await testDeps({ apiKeyCacheSeconds: 30, apiKeyEdgeCacheSeconds: 60 });
    const business = await createBusiness("Many Keys Revoked Co");
    const keys = await issueKeys(business.id, 50);
    const t0 = Date.now();
    for (const key of keys) await verifyApiKey(clock.at(t0), key.plaintext);
    await clock.settle();

    // Revoked straight in D1, as another location would: this isolate is not told.
    const [revoked] = keys;
    if (!revoked) throw new Error("no keys");
    const row = await env.DB.prepare("SELECT id FROM api_keys WHERE hash = ?")
      .bind(revoked.hash)
      .first<{ id: number }>();
    await markApiKeyRevoked(clock.at(t0).db, row?.id ?? -1, new Date(t0 + SECOND));

    // Used all along, so never evicted, and served from memory until the feed is read again…
    for (const offset of [1, 20, 29]) {
      expect(await refusalOf(verifyApiKey(clock.at(t0 + offset * SECOND), revoked.plaintext))).toBeNull();
    }
    // …then once more while the feed is read after the response, which reports the revocation.
    expect(await refusalOf(verifyApiKey(clock.at(t0 + 40 * SECOND), revoked.plaintext))).toBeNull();
    await clock.settle();
    expect(await refusalOf(verifyApiKey(clock.at(t0 + 41 * SECOND), revoked.plaintext))).toBe("revoked");
    // The keys around it are still served, from memory.
    const [, other] = keys;
    expect(await refusalOf(verifyApiKey(clock.at(t0 + 41 * SECOND), other?.plaintext ?? ""))).toBeNull();
    await clock.settle();
  });
});

describe("cold requests with one key", () => {
  it("arriving together share one D1 read", async () => {
    const clock = await testDeps({ apiKeyEdgeCacheSeconds: 0 });
    const business = await createBusiness("Concurrent Co");
    const [key] = await issueKeys(business.id, 1);
    const d1 = countingDatabase();
    const deps = { ...clock.at(Date.now()), db: d1.db };
    const records = await Promise.all(Array.from({ length: 5 }, () => verifyApiKey(deps, key?.plaintext ?? "")));
    expect(new Set(records.map((record) => record.id)).size).toBe(1);
    expect(d1.keyReads()).toBe(1);
    await clock.settle();
  });

  it("are not remembered when the key was forgotten while they read it", async () => {
    const clock = await testDeps({ apiKeyEdgeCacheSeconds: 0 });
    const business = await createBusiness("Forgotten Co");
    const [key] = await issueKeys(business.id, 1);
    if (!key) throw new Error("no key");
    // Revoked (and so forgotten) by this isolate while its D1 read is under way.
    let forgetting: Promise<void> | undefined;
    const d1 = countingDatabase(() => {
      forgetting ??= forgetApiKey(key.hash, Date.now());
    });
    const deps = { ...clock.at(Date.now()), db: d1.db };
    await verifyApiKey(deps, key.plaintext);
    await forgetting;
    await verifyApiKey(deps, key.plaintext);
    expect(d1.keyReads()).toBe(2);
    await clock.settle();
  });
});
