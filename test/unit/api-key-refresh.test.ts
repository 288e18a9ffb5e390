import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { AppError } from "../../src/errors";
import { verifyApiKey } from "../../src/services/api-keys/verification";
import type { Deps } from "../../src/services/deps";
import { readEdgeCachedApiKey, writeEdgeCachedApiKey } from "../../src/storage/api-key-edge-cache";
import { findApiKeyRecordByHash, markApiKeyRevoked } from "../../src/storage/api-keys";
import { openDatabase } from "../../src/storage/db";
import { D1_OVERLOADED, faultyD1 } from "../faults/faulty-bindings";
import { countingDatabase, type IssuedKey, issueKeys } from "../support/api-keys";
import { testDeps } from "../support/deps";
import { createBusiness } from "../support/tenants";

/**
 * A key in use is read again after the response once half the revocation bound has passed since
 * its record was read (with the defaults: memory 30 s, Cache API 60 s, so after 30 s and served
 * for at most 60 s). Time is the test's clock; D1 and the Cache API are the real local ones.
 */
const SECOND = 1000;
const LIFETIMES = { apiKeyCacheSeconds: 30, apiKeyEdgeCacheSeconds: 60 };

async function keysOf(name: string, count: number): Promise<IssuedKey[]> {
  const business = await createBusiness(name);
  return issueKeys(business.id, count);
}

/** One key, resolved from D1 at t0 with the default lifetimes, its after-response work done. */
async function oneKeyResolvedAtT0(name: string) {
  const clock = await testDeps(LIFETIMES);
  const [key] = await keysOf(name, 1);
  if (!key) throw new Error("no key");
  const t0 = Date.now();
  await verifyApiKey(clock.at(t0), key.plaintext);
  await clock.settle();
  return { clock, key, t0 };
}

async function keyIdOf(hash: string): Promise<number> {
  const row = await env.DB.prepare("SELECT id FROM api_keys WHERE hash = ?").bind(hash).first<{ id: number }>();
  if (!row) throw new Error("no such key");
  return row.id;
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

/** D1 whose reads (SELECTs) wait until `open()` is called, counting those that started. */
function gatedDatabase(): { db: Deps["db"]; reads: () => number; firstRead: Promise<void>; open: () => void } {
  let open: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  let started: () => void = () => undefined;
  const firstRead = new Promise<void>((resolve) => {
    started = resolve;
  });
  let reads = 0;
  const gated = (statement: D1PreparedStatement): D1PreparedStatement =>
    new Proxy(statement, {
      get(target, property) {
        if (property === "bind") return (...values: unknown[]) => gated(target.bind(...values));
        const value = Reflect.get(target, property);
        if (typeof value !== "function") return value;
        if (property === "raw" || property === "first" || property === "all") {
          return async (...args: unknown[]) => {
            reads += 1;
            started();
            await gate;
            return value.apply(target, args);
          };
        }
        return value.bind(target);
      },
    });
  const binding = {
    prepare: (query: string) => (/^\s*select/i.test(query) ? gated(env.DB.prepare(query)) : env.DB.prepare(query)),
    batch: <T>(statements: D1PreparedStatement[]) => env.DB.batch<T>(statements),
  };
  return { db: openDatabase(binding), reads: () => reads, firstRead, open: () => open() };
}

describe("a key in use past half its bound", () => {
  it("is served at once and read again after the response, never while a request waits", async () => {
    const { clock, key, t0 } = await oneKeyResolvedAtT0("Refresh Co");

    const d1 = gatedDatabase();
    const at = (ms: number): Deps => ({ ...clock.at(ms), db: d1.db });
    // D1 holds every read: these answers cannot have waited for one.
    await expect(verifyApiKey(at(t0 + 31 * SECOND), key.plaintext)).resolves.toMatchObject({ revokedAt: null });
    await d1.firstRead;
    await expect(verifyApiKey(at(t0 + 32 * SECOND), key.plaintext)).resolves.toMatchObject({ revokedAt: null });
    expect(d1.reads()).toBe(1);

    d1.open();
    expect(await clock.settle()).toEqual([]);
    // The location's entry was refreshed too, from this read.
    expect((await readEdgeCachedApiKey(key.hash))?.resolvedAt).toBe(t0 + 31 * SECOND);
    // Fresh again: not read before half the bound has passed once more.
    await verifyApiKey(at(t0 + 60 * SECOND), key.plaintext);
    await clock.settle();
    expect(d1.reads()).toBe(1);
  });

  it("takes the location's younger Cache API entry, written by another isolate, without reading D1", async () => {
    const { clock, key, t0 } = await oneKeyResolvedAtT0("Refresh Elsewhere Co");

    // Another isolate of this location read the key again at t0 + 25 s, after its revocation.
    const db = clock.at(t0).db;
    await markApiKeyRevoked(db, await keyIdOf(key.hash), new Date(t0 + 20 * SECOND));
    const record = await findApiKeyRecordByHash(db, key.hash);
    await writeEdgeCachedApiKey(key.hash, { record, resolvedAt: t0 + 25 * SECOND }, 60);

    const d1 = countingDatabase();
    const at = (ms: number): Deps => ({ ...clock.at(ms), db: d1.db });
    expect(await refusalOf(verifyApiKey(at(t0 + 31 * SECOND), key.plaintext))).toBeNull();
    await clock.settle();
    expect(await refusalOf(verifyApiKey(at(t0 + 32 * SECOND), key.plaintext))).toBe("invalid_api_key:revoked");
    expect(d1.reads()).toBe(0);
  });

  it("is read again once when D1 fails: the entry serves out its bound, then the key waits for D1", async () => {
    const { clock, key, t0 } = await oneKeyResolvedAtT0("Refresh Outage Co");

    const outage = faultyD1(env.DB, { fail: "reads", message: D1_OVERLOADED });
    const at = (ms: number): Deps => ({ ...clock.at(ms), db: openDatabase(outage.binding) });
    for (const offset of [31, 40, 50, 59.999]) {
      expect(await refusalOf(verifyApiKey(at(t0 + offset * SECOND), key.plaintext))).toBeNull();
      await clock.settle();
    }
    // One attempt for the entry, not one per request: no retry storm against a struggling D1.
    expect(outage.failed("read")).toHaveLength(1);

    // Past the bound the record may not be served: the request itself needs D1, and says so.
    expect(await refusalOf(verifyApiKey(at(t0 + 60 * SECOND), key.plaintext))).toBe("service_unavailable:");
    expect(outage.failed("read")).toHaveLength(2);
    await clock.settle();
  });

  it("is read again at its own next use: keys resolved together do not fall due together", async () => {
    const clock = await testDeps(LIFETIMES);
    const keys = await keysOf("Refresh Spread Co", 20);
    const t0 = Date.now();
    for (const key of keys) await verifyApiKey(clock.at(t0), key.plaintext);
    await clock.settle();

    const d1 = countingDatabase();
    const at = (ms: number): Deps => ({ ...clock.at(ms), db: d1.db });
    const [used, idle] = [keys.slice(0, 5), keys.slice(5)];
    for (const key of used) await verifyApiKey(at(t0 + 31 * SECOND), key.plaintext);
    await clock.settle();
    expect(d1.reads()).toBe(used.length);

    // The idle ones are still served within the bound, each read again as it is used.
    for (const key of idle) await verifyApiKey(at(t0 + 45 * SECOND), key.plaintext);
    await clock.settle();
    expect(d1.reads()).toBe(keys.length);
    // And the first five, read at 31 s, are not due yet.
    for (const key of used) await verifyApiKey(at(t0 + 50 * SECOND), key.plaintext);
    await clock.settle();
    expect(d1.reads()).toBe(keys.length);
  });
});

describe("with the memory tier off (API_KEY_CACHE_SECONDS = 0)", () => {
  it("every request resolves its key, so a revocation elsewhere lands at the next request", async () => {
    const clock = await testDeps({ apiKeyCacheSeconds: 0, apiKeyEdgeCacheSeconds: 0 });
    const [key] = await keysOf("No Memory Co", 1);
    if (!key) throw new Error("no key");
    const d1 = countingDatabase();
    const t0 = Date.now();
    const at = (ms: number): Deps => ({ ...clock.at(ms), db: d1.db });
    for (const offset of [0, 1, 2]) await verifyApiKey(at(t0 + offset * SECOND), key.plaintext);
    expect(d1.reads()).toBe(3);

    await markApiKeyRevoked(clock.at(t0).db, await keyIdOf(key.hash), new Date(t0 + 2 * SECOND));
    expect(await refusalOf(verifyApiKey(at(t0 + 3 * SECOND), key.plaintext))).toBe("invalid_api_key:revoked");
    await clock.settle();
  });
});
