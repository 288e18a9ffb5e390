import { kvKeys } from "./keys";

/** Requests per UTC day (`YYYY-MM-DD` → count) of one key. */
export type DailyUsage = Record<string, number>;

/** Days kept per key; older days are dropped when the record is next written. */
export const DAILY_USAGE_DAYS = 30;

export async function getDailyUsage(kv: KVNamespace, keyId: number): Promise<DailyUsage> {
  return (await kv.get<DailyUsage>(kvKeys.apiKeyDailyUsage(keyId), "json")) ?? {};
}

/** Kept a day longer than the days it holds, counted from the write (KV's own clock). */
export async function putDailyUsage(kv: KVNamespace, keyId: number, usage: DailyUsage): Promise<void> {
  await kv.put(kvKeys.apiKeyDailyUsage(keyId), JSON.stringify(usage), {
    expirationTtl: (DAILY_USAGE_DAYS + 1) * 86_400,
  });
}
