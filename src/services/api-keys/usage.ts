import { type ApiKeyUsage, addApiKeyUsage } from "../../storage/api-keys";
import type { Deps } from "../deps";
import { addDailyUsage } from "./daily-usage";

/**
 * "Last used" and usage counts, coalesced per isolate: each verification only bumps a counter in
 * memory, and at most every `USAGE_FLUSH_INTERVAL_MS` one request hands the accumulated counts to
 * `deps.defer` as a single D1 batch, after its response. Counts still in memory when an isolate is
 * evicted are lost, so the numbers are a close lower bound, not an audit trail.
 */
export const USAGE_FLUSH_INTERVAL_MS = 5_000;
/** Flush early if this many distinct keys are waiting, to keep each batch small. */
const MAX_PENDING_KEYS = 100;

const pending = new Map<number, ApiKeyUsage>();
let lastFlushAt = 0;

function mergeUsage(usage: ApiKeyUsage): void {
  const current = pending.get(usage.keyId);
  if (!current) {
    pending.set(usage.keyId, { ...usage });
    return;
  }
  current.count += usage.count;
  current.lastUsedAt = Math.max(current.lastUsedAt, usage.lastUsedAt);
}

async function flush(deps: Deps, usages: ApiKeyUsage[]): Promise<void> {
  try {
    await addApiKeyUsage(deps.db, usages);
  } catch (err) {
    // Keep the counts for the next flush rather than dropping them.
    for (const usage of usages) mergeUsage(usage);
    throw err;
  }
  // The dashboard's per-day chart; best effort (KV may refuse a hot key's second write in a second).
  await addDailyUsage(deps, usages).catch(() => undefined);
}

export function recordApiKeyUse(deps: Deps, keyId: number): void {
  const nowMs = deps.now.getTime();
  mergeUsage({ keyId, count: 1, lastUsedAt: nowMs });
  // A clock that went backwards (it can, between requests with different `now`s) also flushes.
  const due = nowMs - lastFlushAt >= USAGE_FLUSH_INTERVAL_MS || nowMs < lastFlushAt;
  if (!due && pending.size < MAX_PENDING_KEYS) return;
  lastFlushAt = nowMs;
  const usages = [...pending.values()];
  pending.clear();
  deps.defer(flush(deps, usages));
}
