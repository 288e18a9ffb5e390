import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { inArray } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import { dailyUsageOfKeys, lastDays } from "../../src/services/api-keys/daily-usage";
import { addApiKeyUsage, insertApiKey } from "../../src/storage/api-keys";
import { openDatabase } from "../../src/storage/db";
import { apiKeyDailyUsage } from "../../src/storage/schema";
import { createUser } from "../support/accounts";
import { countingD1 } from "../support/d1-probes";

const db = openDatabase(env.DB);

async function newKeyId(): Promise<number> {
  const owner = await createUser({ businessNames: ["Chart Co"] });
  const row = await insertApiKey(db, {
    publicId: `key_${crypto.randomUUID().replaceAll("-", "")}`,
    businessId: owner.businessIds[0] ?? -1,
    name: "Chart",
    kind: "secret",
    mode: "test",
    permissions: ["sms"],
    hash: crypto.randomUUID(),
    displayPrefix: "sk_test_chart",
    createdBy: null,
    createdAt: new Date(),
    expiresAt: null,
  });
  return row.id;
}

/** What a flush writes for one key: its counter and one day row per `day → count`. */
function addDays(keyId: number, days: Record<string, number>) {
  const rows = Object.entries(days).map(([day, count]) => ({ keyId, day, count }));
  const total = rows.reduce((sum, row) => sum + row.count, 0);
  return addApiKeyUsage(db, [{ keyId, count: total, lastUsedAt: Date.parse(rows.at(-1)?.day ?? "") }], rows);
}

async function storedDays(keyId: number): Promise<string[]> {
  const rows = await db
    .select()
    .from(apiKeyDailyUsage)
    .where(inArray(apiKeyDailyUsage.keyId, [keyId]));
  return rows.map((row) => row.day).sort();
}

describe("per-day API key usage (the dashboard's chart)", () => {
  it("counts requests per UTC day for every key of a page, zeros for quiet days, oldest first, in one query", async () => {
    const [busy, quiet] = [await newKeyId(), await newKeyId()];
    await addDays(busy, { "2026-11-20": 3, "2026-11-22": 7 });
    await addDays(busy, { "2026-11-20": 2 });
    const counting = countingD1(env.DB);
    const deps = { db: openDatabase(counting.d1), now: new Date(Date.UTC(2026, 10, 22, 10)) };

    const charts = await dailyUsageOfKeys(deps, [busy, quiet], 4);
    expect(charts.get(busy)).toEqual([
      { day: "2026-11-19", count: 0 },
      { day: "2026-11-20", count: 5 },
      { day: "2026-11-21", count: 0 },
      { day: "2026-11-22", count: 7 },
    ]);
    expect(charts.get(quiet)).toHaveLength(4);
    expect(charts.get(quiet)?.every((d) => d.count === 0)).toBe(true);
    expect(counting.statements).toHaveLength(1);
    expect(await dailyUsageOfKeys(deps, [], 4)).toEqual(new Map());
    expect(lastDays(new Date(Date.UTC(2026, 5, 1)), 2)).toEqual(["2026-05-31", "2026-06-01"]);
  });

  it("the daily cron deletes days older than 30 and keeps the rest", async () => {
    const keyId = await newKeyId();
    // Long ago, like the audit-retention test: only this test's rows are old enough to go.
    const runAt = Date.UTC(1990, 6, 31, 3, 17);
    await addDays(keyId, { "1990-06-30": 1, "1990-07-01": 2, "1990-07-02": 3, "1990-07-31": 4 });

    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: runAt, cron: "17 3 * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
    // 1990-07-02 … 1990-07-31 are the 30 days kept.
    expect(await storedDays(keyId)).toEqual(["1990-07-02", "1990-07-31"]);
  });

  it("usage of a key that no longer exists is skipped, not a failed flush", async () => {
    const keyId = await newKeyId();
    const missing = 2_000_000_000;
    const rowsWritten = await addApiKeyUsage(
      db,
      [
        { keyId, count: 1, lastUsedAt: Date.UTC(2026, 0, 1) },
        { keyId: missing, count: 1, lastUsedAt: Date.UTC(2026, 0, 1) },
      ],
      [
        { keyId, day: "2026-01-01", count: 1 },
        { keyId: missing, day: "2026-01-01", count: 1 },
      ],
    );
    expect(rowsWritten).toBe(2);
    expect(await storedDays(keyId)).toEqual(["2026-01-01"]);
    expect(await storedDays(missing)).toEqual([]);
  });

  it("refuses to build a statement from anything but integers and days", async () => {
    await expect(addApiKeyUsage(db, [{ keyId: 1.5, count: 1, lastUsedAt: 0 }], [])).rejects.toThrow(/inlinable/);
    await expect(
      addApiKeyUsage(db, [], [{ keyId: 1, day: "2026-01-01'); DROP TABLE x; --", count: 1 }]),
    ).rejects.toThrow(/inlinable/);
  });
});
