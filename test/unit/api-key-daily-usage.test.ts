import { describe, expect, it } from "vitest";
import { addDailyUsage, dailyUsageOf, lastDays } from "../../src/services/api-keys/daily-usage";
import { recordApiKeyUse } from "../../src/services/api-keys/usage";
import { testDeps } from "../support/deps";

const DAY = 86_400_000;
let nextKeyId = 9_000_000 + Math.floor(Math.random() * 1_000_000);

describe("per-day API key usage (the dashboard's chart)", () => {
  it("counts requests per UTC day, with zeros for quiet days, oldest first", async () => {
    const deps = await testDeps();
    const keyId = nextKeyId++;
    const day1 = Date.UTC(2026, 10, 20, 10);
    await addDailyUsage(deps.at(day1), [{ keyId, count: 3, lastUsedAt: day1 }]);
    await addDailyUsage(deps.at(day1 + 60_000), [{ keyId, count: 2, lastUsedAt: day1 + 60_000 }]);
    await addDailyUsage(deps.at(day1 + 2 * DAY), [{ keyId, count: 7, lastUsedAt: day1 + 2 * DAY }]);
    const chart = await dailyUsageOf(deps.at(day1 + 2 * DAY), keyId, 4);
    expect(chart).toEqual([
      { day: "2026-11-19", count: 0 },
      { day: "2026-11-20", count: 5 },
      { day: "2026-11-21", count: 0 },
      { day: "2026-11-22", count: 7 },
    ]);
  });

  it("drops days older than 30 when it next writes", async () => {
    const deps = await testDeps();
    const keyId = nextKeyId++;
    const start = Date.UTC(2026, 0, 1, 12);
    await addDailyUsage(deps.at(start), [{ keyId, count: 4, lastUsedAt: start }]);
    const later = start + 40 * DAY;
    await addDailyUsage(deps.at(later), [{ keyId, count: 1, lastUsedAt: later }]);
    const stored = await deps.at(later).kv.get(`api-key-usage-days:${keyId}`, "json");
    expect(stored).toEqual({ "2026-02-10": 1 });
  });

  it("a key never used has an all-zero chart", async () => {
    const deps = await testDeps();
    const chart = await dailyUsageOf(deps.at(Date.UTC(2026, 5, 1)), nextKeyId++, 14);
    expect(chart).toHaveLength(14);
    expect(chart.every((d) => d.count === 0)).toBe(true);
    expect(lastDays(new Date(Date.UTC(2026, 5, 1)), 2)).toEqual(["2026-05-31", "2026-06-01"]);
  });

  it("the deferred usage flush fills the per-day counts", async () => {
    const deps = await testDeps();
    const keyId = nextKeyId++;
    // A clock far ahead of any other test's makes this use due for a flush.
    const now = Date.UTC(2099, 0, 1, 12);
    recordApiKeyUse(deps.at(now), keyId);
    await deps.settle();
    expect((await dailyUsageOf(deps.at(now), keyId, 1))[0]).toEqual({ day: "2099-01-01", count: 1 });
  });
});
