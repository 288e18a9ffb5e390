import { DAILY_USAGE_DAYS, deleteDailyUsageBefore, listDailyUsageSince } from "../../storage/api-key-daily-usage";
import type { Deps } from "../deps";

const DAY_MS = 86_400_000;

export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Whole UTC days since the epoch: what the usage aggregate counts by, cheaper than `utcDay`. */
export const epochDayOf = (ms: number) => Math.floor(ms / DAY_MS);

export const utcDayOfEpochDay = (epochDay: number) => utcDay(epochDay * DAY_MS);

/** The last `days` UTC days up to `now`, oldest first. */
export function lastDays(now: Date, days: number): string[] {
  return Array.from({ length: days }, (_, i) => utcDay(now.getTime() - (days - 1 - i) * DAY_MS));
}

/** Requests of one key on one UTC day (`YYYY-MM-DD`). */
export type DailyCount = { day: string; count: number };

/**
 * Requests per day of each of `keyIds` over the last `days` days, zeros included, for the usage
 * chart: one D1 query for all of them.
 */
export async function dailyUsageOfKeys(
  deps: Pick<Deps, "db" | "now">,
  keyIds: number[],
  days = 14,
): Promise<Map<number, DailyCount[]>> {
  const window = lastDays(deps.now, days);
  const stored = await listDailyUsageSince(deps.db, keyIds, window[0] ?? utcDay(deps.now.getTime()));
  const counts = new Map<string, number>(stored.map((row) => [`${row.keyId}:${row.day}`, row.count]));
  return new Map(
    keyIds.map((keyId) => [keyId, window.map((day) => ({ day, count: counts.get(`${keyId}:${day}`) ?? 0 }))]),
  );
}

/** Deletes per-day counts older than `DAILY_USAGE_DAYS` (the daily cron); returns how many rows went. */
export async function pruneDailyUsage(deps: Pick<Deps, "db" | "now">): Promise<number> {
  const [oldestKept] = lastDays(deps.now, DAILY_USAGE_DAYS);
  return oldestKept ? deleteDailyUsageBefore(deps.db, oldestKept) : 0;
}
