import { DAILY_USAGE_DAYS, type DailyUsage, getDailyUsage, putDailyUsage } from "../../storage/api-key-daily-usage";
import type { ApiKeyUsage } from "../../storage/api-keys";
import type { Deps } from "../deps";

const DAY_MS = 86_400_000;

export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The last `days` UTC days up to `now`, oldest first. */
export function lastDays(now: Date, days: number): string[] {
  return Array.from({ length: days }, (_, i) => utcDay(now.getTime() - (days - 1 - i) * DAY_MS));
}

/** Adds a flushed batch to each key's per-day counts (after the response, with the D1 counters). */
export async function addDailyUsage(deps: Pick<Deps, "kv" | "now">, usages: ApiKeyUsage[]): Promise<void> {
  const kept = new Set(lastDays(deps.now, DAILY_USAGE_DAYS));
  await Promise.all(
    usages.map(async (usage) => {
      const stored = await getDailyUsage(deps.kv, usage.keyId);
      const day = utcDay(usage.lastUsedAt);
      const next: DailyUsage = Object.fromEntries(Object.entries(stored).filter(([d]) => kept.has(d)));
      next[day] = (next[day] ?? 0) + usage.count;
      await putDailyUsage(deps.kv, usage.keyId, next);
    }),
  );
}

/** Requests per day of one key over the last `days` days, zeros included, for the usage chart. */
export async function dailyUsageOf(
  deps: Pick<Deps, "kv" | "now">,
  keyId: number,
  days = 14,
): Promise<Array<{ day: string; count: number }>> {
  const stored = await getDailyUsage(deps.kv, keyId);
  return lastDays(deps.now, days).map((day) => ({ day, count: stored[day] ?? 0 }));
}
