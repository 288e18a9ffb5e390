import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { AppError } from "../../src/errors";
import { resizeApiKeyCache } from "../../src/services/api-keys/key-lookup";
import { verifyApiKey } from "../../src/services/api-keys/verification";
import type { Deps } from "../../src/services/deps";
import { writeEdgeCachedApiKey } from "../../src/storage/api-key-edge-cache";
import { markApiKeyRevoked, readApiKeyForVerification } from "../../src/storage/api-keys";
import { openDatabase } from "../../src/storage/db";
import { D1_OVERLOADED, faultyD1 } from "../faults/faulty-bindings";
import { countingDatabase, type IssuedKey, issueKeys } from "../support/api-keys";
import { testDeps } from "../support/deps";
import { createBusiness } from "../support/tenants";

/**
 * An isolate keeps the keys in its memory current by reading the key change feed (one D1 read for
 * all of them) every `API_KEY_CACHE_SECONDS`, after a response; memory answers only while the
 * last read is younger than the bound (60 s with the defaults). Time is the test's clock; D1 and
 * the Cache API are the real local ones. The feed's state is the isolate's, shared by the tests of
 * this file, so each test starts an hour after the one before: its first request finds the feed
 * stale, whatever the tests before it did.
 */
const SECOND = 1000;
const HOUR = 3600 * SECOND;
const LIFETIMES = { apiKeyCacheSeconds: 30, apiKeyEdgeCacheSeconds: 60 };
let hoursAhead = 0;
const nextHour = () => Date.now() + ++hoursAhead * HOUR;

async function keysOf(name: string, count: number): Promise<IssuedKey[]> {
  const business = await createBusiness(name);
  return issueKeys(business.id, count);
}

async function keyIdOf(hash: string): Promise<number> {
  const row = await env.DB.prepare("SELECT id FROM api_keys WHERE hash = ?").bind(hash).first<{ id: number }>();
  if (!row) throw new Error("no such key");
  return row.id;
}

/** Revoked straight in D1, as another isolate or location would: this isolate is not told. */
async function revokeElsewhere(key: IssuedKey, at: number): Promise<void> {
  await markApiKeyRevoked(openDatabase(env.DB), await keyIdOf(key.hash), new Date(at));
}

async function refusalOf(work: Promise<unknown>): Promise<string | null> {
  try {
    await work;
    return null;
  } catch (err) {
    if (err instanceof AppError) return `${err.code}:${String(err.options.reason ?? "")}`;
    throw err;
  }
}

/** `keys` resolved at `t0` (the feed read then too), their after-response work done. */
async function resolvedAt(clock: Awaited<ReturnType<typeof testDeps>>, keys: IssuedKey[], t0: number) {
  for (const key of keys) await verifyApiKey(clock.at(t0), key.plaintext);
  expect(await clock.settle()).toEqual([]);
}

/** One key of a new business, resolved at the start of a new hour (the feed read then too). */
async function oneKeyResolved(name: string) {
  const clock = await testDeps(LIFETIMES);
  const [key] = await keysOf(name, 1);
  if (!key) throw new Error("no key");
  const t0 = nextHour();
  await resolvedAt(clock, [key], t0);
  return { clock, key, t0 };
}

afterEach(() => {
  vi.restoreAllMocks();
  resizeApiKeyCache();
});

describe("keys in memory, kept current by the change feed", () => {
  it("one feed read after a response keeps every key warm: no key is read again", async () => {
    const clock = await testDeps(LIFETIMES);
    const keys = await keysOf("Feed Warm Co", 40);
    const t0 = nextHour();
    await resolvedAt(clock, keys, t0);

    const d1 = countingDatabase();
    const at = (ms: number): Deps => ({ ...clock.at(ms), db: d1.db });
    // Past API_KEY_CACHE_SECONDS: served from memory, the feed read after the response.
    for (const key of keys) await verifyApiKey(at(t0 + 31 * SECOND), key.plaintext);
    expect(await clock.settle()).toEqual([]);
    // And past the bound since the keys were read: still memory, as the feed was read at 31 s.
    for (const key of keys) await verifyApiKey(at(t0 + 75 * SECOND), key.plaintext);
    expect(await clock.settle()).toEqual([]);
    expect(d1.keyReads()).toBe(0);
    expect(d1.feedReads()).toBe(2);
  });

  it("a key revoked elsewhere is refused once the next feed read has seen it; the others stay warm", async () => {
    const clock = await testDeps(LIFETIMES);
    const keys = await keysOf("Feed Revoked Co", 10);
    const [revoked, ...others] = keys;
    if (!revoked) throw new Error("no keys");
    const t0 = nextHour();
    await resolvedAt(clock, keys, t0);
    await revokeElsewhere(revoked, t0 + SECOND);

    const d1 = countingDatabase();
    const at = (ms: number): Deps => ({ ...clock.at(ms), db: d1.db });
    // Within API_KEY_CACHE_SECONDS memory answers as it was…
    expect(await refusalOf(verifyApiKey(at(t0 + 20 * SECOND), revoked.plaintext))).toBeNull();
    // …and once past it, this answer is memory's too, while the feed is read after the response.
    expect(await refusalOf(verifyApiKey(at(t0 + 31 * SECOND), revoked.plaintext))).toBeNull();
    expect(await clock.settle()).toEqual([]);
    expect(await refusalOf(verifyApiKey(at(t0 + 32 * SECOND), revoked.plaintext))).toBe("invalid_api_key:revoked");
    for (const key of others) expect(await refusalOf(verifyApiKey(at(t0 + 32 * SECOND), key.plaintext))).toBeNull();
    expect(await clock.settle()).toEqual([]);
    // One read of the revoked key's record; none of the others'.
    expect(d1.keyReads()).toBe(1);
  });

  it("an idle isolate reads the feed before memory answers: a revocation never outlives the bound", async () => {
    const { clock, key, t0 } = await oneKeyResolved("Feed Idle Co");
    await revokeElsewhere(key, t0 + SECOND);
    // No request for a minute: the first one after waits for the feed, which knows.
    expect(await refusalOf(verifyApiKey(clock.at(t0 + 60 * SECOND), key.plaintext))).toBe("invalid_api_key:revoked");
    expect(await clock.settle()).toEqual([]);
  });

  it("a resolution that read the key before a change the feed has since reported is not remembered", async () => {
    const clock = await testDeps(LIFETIMES);
    const [key, bystander] = await keysOf("Feed Race Co", 2);
    if (!key || !bystander) throw new Error("no keys");
    const t0 = nextHour();
    await resolvedAt(clock, [bystander], t0);

    // The key's D1 read runs at once, but its answer is held back until the feed has moved on.
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow = new Proxy(env.DB, {
      get(target, property) {
        if (property !== "prepare") return Reflect.get(target, property).bind(target);
        return (query: string) =>
          new Proxy(target.prepare(query), {
            get(statement, name) {
              if (name === "bind") {
                return (...values: unknown[]) => {
                  const bound = statement.bind(...values);
                  return { raw: async () => bound.raw().then(async (rows) => held.then(() => rows)) };
                };
              }
              return Reflect.get(statement, name).bind(statement);
            },
          });
      },
    });
    const answer = verifyApiKey({ ...clock.at(t0 + SECOND), db: openDatabase(slow) }, key.plaintext);
    await revokeElsewhere(key, t0 + 2 * SECOND);
    // A request past API_KEY_CACHE_SECONDS has the feed read, which reports the revocation.
    await verifyApiKey(clock.at(t0 + 31 * SECOND), bystander.plaintext);
    await clock.settle();
    release();
    // The held answer was true when read, so that request gets it…
    expect(await refusalOf(answer)).toBeNull();
    await clock.settle();
    // …but memory did not keep it: the next request reads D1 again and finds the revocation.
    expect(await refusalOf(verifyApiKey(clock.at(t0 + 32 * SECOND), key.plaintext))).toBe("invalid_api_key:revoked");
    await clock.settle();
  });

  it("more changes than one read takes: the isolate forgets every key rather than read on", async () => {
    const clock = await testDeps(LIFETIMES);
    const keys = await keysOf("Feed Flood Co", 5);
    const t0 = nextHour();
    await resolvedAt(clock, keys, t0);
    // 1,001 changes of keys this isolate does not hold (written as the triggers would).
    await env.DB.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1001)
       INSERT INTO api_key_changes (lookup_hash, changed_at) SELECT 'flood-' || i, 0 FROM n`,
    ).run();

    const d1 = countingDatabase();
    const at = (ms: number): Deps => ({ ...clock.at(ms), db: d1.db });
    await verifyApiKey(at(t0 + 31 * SECOND), keys[0]?.plaintext ?? "");
    await clock.settle();
    const edgeReads = vi.spyOn(caches.default, "match");
    for (const key of keys) expect(await refusalOf(verifyApiKey(at(t0 + 32 * SECOND), key.plaintext))).toBeNull();
    await clock.settle();
    // Every key read again from D1: the location's entries predate what the isolate could check.
    expect(d1.keyReads()).toBe(keys.length);
    expect(edgeReads).toHaveBeenCalledTimes(keys.length);
  });
});

describe("the location's Cache API entries, judged by the feed", () => {
  it("an entry read before a change the feed reported is not taken; one read after it is", async () => {
    const clock = await testDeps(LIFETIMES);
    const [stale, fresh, bystander] = await keysOf("Feed Edge Co", 3);
    if (!stale || !fresh || !bystander) throw new Error("no keys");
    const t0 = nextHour();
    const db = openDatabase(env.DB);
    // Another isolate of this location read both keys, then both were revoked, then it read
    // `fresh` again: its entry is current, `stale`'s is not.
    const before = [await readApiKeyForVerification(db, stale.hash), await readApiKeyForVerification(db, fresh.hash)];
    await revokeElsewhere(stale, t0);
    await revokeElsewhere(fresh, t0);
    const [staleEntry] = before;
    if (!staleEntry) throw new Error("no read");
    await writeEdgeCachedApiKey(stale.hash, { ...staleEntry, resolvedAt: t0 }, 60);
    await writeEdgeCachedApiKey(
      fresh.hash,
      { ...(await readApiKeyForVerification(db, fresh.hash)), resolvedAt: t0 },
      60,
    );
    // This isolate's feed read (at its first request) reports both revocations.
    await resolvedAt(clock, [bystander], t0);

    const d1 = countingDatabase();
    const at = (ms: number): Deps => ({ ...clock.at(ms), db: d1.db });
    expect(await refusalOf(verifyApiKey(at(t0 + SECOND), fresh.plaintext))).toBe("invalid_api_key:revoked");
    expect(d1.keyReads()).toBe(0);
    expect(await refusalOf(verifyApiKey(at(t0 + SECOND), stale.plaintext))).toBe("invalid_api_key:revoked");
    expect(d1.keyReads()).toBe(1);
    await clock.settle();
  });
});

describe("when D1 fails", () => {
  it("the feed is read once per backoff delay; memory serves out the bound, then each key waits for D1", async () => {
    const { clock, key, t0 } = await oneKeyResolved("Feed Outage Co");

    const outage = faultyD1(env.DB, { fail: "reads", message: D1_OVERLOADED });
    const at = (ms: number): Deps => ({ ...clock.at(ms), db: openDatabase(outage.binding) });
    const requests = [31, 31.2, 31.5, 31.9, 32, 33, 35, 36, 39, 40, 45, 50, 55, 59.999];
    for (const offset of requests) {
      expect(await refusalOf(verifyApiKey(at(t0 + offset * SECOND), key.plaintext))).toBeNull();
      await clock.settle();
    }
    // Retried after 1, 2, 4 and 8 s, not at every request: no retry storm against a struggling D1.
    expect(outage.failed("read")).toHaveLength(5);

    // Past the bound memory may not answer: the request itself needs D1, and says so.
    expect(await refusalOf(verifyApiKey(at(t0 + 60 * SECOND), key.plaintext))).toBe("service_unavailable:");
    await clock.settle();
  });
});

describe("with the memory tier off (API_KEY_CACHE_SECONDS = 0)", () => {
  it("every request resolves its key, so a revocation elsewhere lands at the next request", async () => {
    const clock = await testDeps({ apiKeyCacheSeconds: 0, apiKeyEdgeCacheSeconds: 0 });
    const [key] = await keysOf("No Memory Co", 1);
    if (!key) throw new Error("no key");
    const d1 = countingDatabase();
    const t0 = nextHour();
    const at = (ms: number): Deps => ({ ...clock.at(ms), db: d1.db });
    for (const offset of [0, 1, 2]) await verifyApiKey(at(t0 + offset * SECOND), key.plaintext);
    expect(d1.keyReads()).toBe(3);
    expect(d1.feedReads()).toBe(0);

    await revokeElsewhere(key, t0 + 2 * SECOND);
    expect(await refusalOf(verifyApiKey(at(t0 + 3 * SECOND), key.plaintext))).toBe("invalid_api_key:revoked");
    await clock.settle();
  });
});
