import { env } from "cloudflare:workers";
import { inArray } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from "vitest";
import {
  apiKeyUsageState,
  flushApiKeyUsageNow,
  MAX_PENDING_KEYS,
  recordApiKeyUse,
  USAGE_FLUSH_INTERVAL_MS,
} from "../../src/services/api-keys/usage";
import { UsageAggregate, usesOf } from "../../src/services/api-keys/usage-aggregate";
import type { Deps } from "../../src/services/deps";
import { insertApiKey } from "../../src/storage/api-keys";
import { openDatabase } from "../../src/storage/db";
import { apiKeyDailyUsage, apiKeys } from "../../src/storage/schema";
import { createUser } from "../support/accounts";
import { countingD1, refusingD1, stalledD1 } from "../support/d1-probes";
import { type TestDeps, testDeps } from "../support/deps";

const SECOND = 1000;
const db = openDatabase(env.DB);

/** `count` keys of one fresh business, inserted straight into D1 (their secrets are never needed). */
async function newKeyIds(count: number): Promise<number[]> {
  const owner = await createUser({ businessNames: ["Usage Co"] });
  const businessId = owner.businessIds[0] ?? -1;
  const ids: number[] = [];
  for (let i = 0; i < count; i++) {
    const row = await insertApiKey(db, {
      publicId: `key_${crypto.randomUUID().replaceAll("-", "")}`,
      businessId,
      name: `Usage ${i}`,
      kind: "secret",
      mode: "test",
      permissions: ["sms"],
      hash: crypto.randomUUID(),
      displayPrefix: "sk_test_usage",
      createdBy: null,
      createdAt: new Date(),
      expiresAt: null,
    });
    ids.push(row.id);
  }
  return ids;
}

async function countersOf(ids: number[]) {
  const rows = await db
    .select({ id: apiKeys.id, usageCount: apiKeys.usageCount, lastUsedAt: apiKeys.lastUsedAt })
    .from(apiKeys)
    .where(inArray(apiKeys.id, ids));
  return new Map(rows.map((row) => [row.id, { usageCount: row.usageCount, lastUsedAt: row.lastUsedAt?.getTime() }]));
}

async function dayRowsOf(ids: number[]) {
  const rows = await db.select().from(apiKeyDailyUsage).where(inArray(apiKeyDailyUsage.keyId, ids));
  return rows.sort((a, b) => a.keyId - b.keyId || a.day.localeCompare(b.day));
}

/** The JSON lines logged with `event`, parsed. */
function loggedEvents(spy: MockInstance, event: string): Record<string, unknown>[] {
  return spy.mock.calls
    .map(([line]) => (typeof line === "string" && line.startsWith("{") ? JSON.parse(line) : null))
    .filter((entry) => entry?.event === event);
}

let clock: TestDeps;
let logSpy: MockInstance;
let warnSpy: MockInstance;

beforeEach(async () => {
  clock = await testDeps();
  logSpy = vi.spyOn(console, "log");
  warnSpy = vi.spyOn(console, "warn");
});

afterEach(() => {
  vi.restoreAllMocks();
});

/** Starts a test from an empty aggregate and a schedule that counts from `at`. */
async function startAt(at: number): Promise<void> {
  await flushApiKeyUsageNow(clock.at(at));
  expect(apiKeyUsageState()).toMatchObject({ pendingKeys: 0, failures: 0, flushing: false });
}

const over = (d1: D1Database, at: number): Deps => ({ ...clock.at(at), db: openDatabase(d1) });

describe("API key usage write-back", () => {
  it("counts and last-used times land after a flush, and each key gets a row per UTC day it was used", async () => {
    const [a = -1, b = -1] = await newKeyIds(2);
    const t0 = Date.UTC(2030, 5, 1, 23, 59, 57);
    await startAt(t0);

    recordApiKeyUse(clock.at(t0 + 1 * SECOND), a); // 2030-06-01
    recordApiKeyUse(clock.at(t0 + 2 * SECOND), b);
    recordApiKeyUse(clock.at(t0 + 4 * SECOND), a); // 2030-06-02, after midnight
    expect(clock.deferredCount()).toBe(0);
    expect((await countersOf([a, b])).get(a)).toEqual({ usageCount: 0, lastUsedAt: undefined });

    recordApiKeyUse(clock.at(t0 + USAGE_FLUSH_INTERVAL_MS), b); // the first use after the interval flushes
    expect(clock.deferredCount()).toBe(1);
    expect(await clock.settle()).toEqual([]);

    expect(await countersOf([a, b])).toEqual(
      new Map([
        [a, { usageCount: 2, lastUsedAt: t0 + 4 * SECOND }],
        [b, { usageCount: 2, lastUsedAt: t0 + USAGE_FLUSH_INTERVAL_MS }],
      ]),
    );
    expect(await dayRowsOf([a, b])).toEqual([
      { keyId: a, day: "2030-06-01", count: 1 },
      { keyId: a, day: "2030-06-02", count: 1 },
      { keyId: b, day: "2030-06-01", count: 1 },
      { keyId: b, day: "2030-06-02", count: 1 },
    ]);

    // A later flush adds to the same rows.
    recordApiKeyUse(clock.at(t0 + 2 * USAGE_FLUSH_INTERVAL_MS), a);
    await clock.settle();
    expect((await countersOf([a])).get(a)?.usageCount).toBe(3);
    expect((await dayRowsOf([a])).at(-1)).toEqual({ keyId: a, day: "2030-06-02", count: 2 });
  });

  it("10,000 uses over 50 keys are one flush of two statements in one batch, writing a row per key and day", async () => {
    const ids = await newKeyIds(50);
    const t0 = Date.UTC(2030, 6, 1, 12);
    await startAt(t0);
    const counting = countingD1(env.DB);

    for (let i = 0; i < 10_000; i++) {
      recordApiKeyUse(
        over(counting.d1, t0 + Math.floor((i * (USAGE_FLUSH_INTERVAL_MS - 1)) / 10_000)),
        ids[i % 50] ?? -1,
      );
    }
    expect(clock.deferredCount()).toBe(0);
    expect(counting.statements).toEqual([]);

    recordApiKeyUse(over(counting.d1, t0 + USAGE_FLUSH_INTERVAL_MS), ids[0] ?? -1);
    expect(clock.deferredCount()).toBe(1);
    expect(await clock.settle()).toEqual([]);

    expect(counting.batches).toEqual([2]);
    expect(counting.statements).toHaveLength(2);
    expect(counting.statements[0]).toMatch(/UPDATE api_keys SET/);
    expect(counting.statements[1]).toMatch(/INSERT INTO api_key_daily_usage/);
    const counters = await countersOf(ids);
    expect([...counters.values()].reduce((sum, row) => sum + row.usageCount, 0)).toBe(10_001);
    expect(counters.get(ids[0] ?? -1)?.usageCount).toBe(201);
    expect(await dayRowsOf(ids)).toHaveLength(50);

    const [flushed] = loggedEvents(logSpy, "api_key_usage_flushed");
    expect(Object.keys(flushed ?? {})).toEqual(["level", "event", "keys", "rowsWritten", "dropped"]);
    expect(flushed).toMatchObject({ level: "info", keys: 50, dropped: 0 });
    // One per counter and one per new key-day: no index entry is written besides.
    expect(flushed?.rowsWritten).toBe(50 + 50);
  });

  it("however many keys are pending, nothing is written before the interval", async () => {
    const t0 = Date.UTC(2030, 7, 1, 12);
    await startAt(t0);
    const counting = countingD1(env.DB);
    for (let keyId = 1; keyId <= 1_000; keyId++) recordApiKeyUse(over(counting.d1, t0 + SECOND), 5_000_000 + keyId);
    expect(apiKeyUsageState().pendingKeys).toBe(1_000);
    expect(clock.deferredCount()).toBe(0);
    expect(counting.statements).toEqual([]);
    await flushApiKeyUsageNow(clock.at(t0 + 2 * SECOND));
  });

  it(`holds at most ${MAX_PENDING_KEYS} keys: uses of further keys are dropped and counted`, async () => {
    const t0 = Date.UTC(2030, 8, 1, 12);
    await startAt(t0);
    const firstKey = 6_000_000;
    for (let i = 0; i < MAX_PENDING_KEYS + 500; i++) recordApiKeyUse(clock.at(t0 + SECOND), firstKey + i);
    expect(apiKeyUsageState()).toMatchObject({ pendingKeys: MAX_PENDING_KEYS, dropped: 500 });
    recordApiKeyUse(clock.at(t0 + SECOND), firstKey); // already pending: still counted
    expect(apiKeyUsageState()).toMatchObject({ pendingKeys: MAX_PENDING_KEYS, dropped: 500 });
    expect(clock.deferredCount()).toBe(0);

    await flushApiKeyUsageNow(clock.at(t0 + 2 * SECOND));
    expect(apiKeyUsageState()).toMatchObject({ pendingKeys: 0, dropped: 0 });
    expect(loggedEvents(logSpy, "api_key_usage_flushed").at(-1)).toMatchObject({
      keys: MAX_PENDING_KEYS,
      dropped: 500,
    });
  });

  it("while D1 refuses, requests go on, one write is attempted per backoff interval, and no count is lost", async () => {
    const [keyId = -1] = await newKeyIds(1);
    const t0 = Date.UTC(2030, 9, 1, 12);
    await startAt(t0);
    const outage = refusingD1(env.DB);

    // 601 requests, one every 100 ms for a minute, from the moment a flush is due.
    const attemptsAt: number[] = [];
    for (let i = 0; i <= 600; i++) {
      const at = t0 + USAGE_FLUSH_INTERVAL_MS + i * 100;
      const before = outage.attempts();
      expect(() => recordApiKeyUse(over(outage.d1, at), keyId)).not.toThrow();
      await clock.settle();
      if (outage.attempts() > before) attemptsAt.push(at - t0);
    }
    // Due at 5 s; then 10 s, 20 s, 40 s after each failed attempt.
    expect(attemptsAt).toEqual([5_000, 15_000, 35_000]);
    expect(loggedEvents(warnSpy, "api_key_usage_flush_failed")).toEqual([
      expect.objectContaining({
        level: "warn",
        keys: 1,
        retryInMs: 10_000,
        // The resilient adapter names the failed write (attempted once: writes are never retried).
        error: expect.stringMatching(/after 1 attempt\(s\): Error: D1_ERROR: Network connection lost\.$/),
      }),
      expect.objectContaining({ keys: 1, retryInMs: 20_000 }),
      expect.objectContaining({ keys: 1, retryInMs: 40_000 }),
    ]);
    expect((await countersOf([keyId])).get(keyId)?.usageCount).toBe(0);

    // D1 is back: the first request after the backoff writes everything counted during the outage.
    recordApiKeyUse(clock.at(t0 + 75_000), keyId);
    expect(await clock.settle()).toEqual([]);
    expect((await countersOf([keyId])).get(keyId)).toEqual({ usageCount: 602, lastUsedAt: t0 + 75_000 });
    expect(await dayRowsOf([keyId])).toEqual([{ keyId, day: "2030-10-01", count: 602 }]);
    expect(apiKeyUsageState()).toMatchObject({ pendingKeys: 0, failures: 0 });
  });

  it("a flush that never returns holds back others, until it is taken for dead", async () => {
    const t0 = Date.UTC(2030, 10, 1, 12);
    await startAt(t0);
    const hanging = await testDeps(); // never settled: its one deferred flush never ends
    const stall = stalledD1(env.DB);
    recordApiKeyUse({ ...hanging.at(t0 + USAGE_FLUSH_INTERVAL_MS), db: openDatabase(stall.d1) }, 7_000_001);
    expect(stall.attempts()).toBe(1);

    recordApiKeyUse(clock.at(t0 + 30 * SECOND), 7_000_002);
    expect(clock.deferredCount()).toBe(0);
    recordApiKeyUse(clock.at(t0 + USAGE_FLUSH_INTERVAL_MS + 60 * SECOND), 7_000_003);
    expect(clock.deferredCount()).toBe(1);
    expect(await clock.settle()).toEqual([]);
    expect(apiKeyUsageState()).toMatchObject({ pendingKeys: 0, flushing: false });
  });
});

describe("the bounded aggregate", () => {
  it("puts a failed flush's counts back within its bound, counting what does not fit as dropped", () => {
    const aggregate = new UsageAggregate(2);
    aggregate.add(1, 1_000);
    aggregate.add(2, 2_000);
    aggregate.add(3, 3_000);
    expect(aggregate.dropped).toBe(1);
    const taken = aggregate.drain();
    aggregate.add(1, 4_000);
    aggregate.add(4, 5_000);
    aggregate.restore(taken);
    const [one, four] = aggregate.drain();
    expect(one && usesOf(one)).toBe(2);
    expect(one?.lastUsedAt).toBe(4_000);
    expect(four?.keyId).toBe(4);
    expect(aggregate.takeDropped()).toBe(2); // key 3 never fitted, key 2 no longer does
    expect(aggregate.dropped).toBe(0);
  });
});
