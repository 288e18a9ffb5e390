import type { DailyUsageRow } from "../../storage/api-key-daily-usage";
import { type ApiKeyUsage, addApiKeyUsage } from "../../storage/api-keys";
import type { Deps } from "../deps";
import { utcDayOfEpochDay } from "./daily-usage";
import { type PendingKeyUsage, UsageAggregate, usesOf } from "./usage-aggregate";

/**
 * "Last used", usage counts and the per-day counts, coalesced per isolate. A verification only
 * adds to a bounded aggregate in memory (`recordApiKeyUse` never awaits and never throws). The
 * first use at least `USAGE_FLUSH_INTERVAL_MS` after the last flush hands everything pending to
 * `deps.defer` as one D1 batch, after its own response; at most one flush is in flight per isolate.
 * So D1 sees at most one write per isolate per interval, each touching one row per key used
 * since, however many requests those keys served.
 *
 * The flush is started by a request, not by a timer: a timer would have to live in one request's
 * `waitUntil` for the whole interval, holding that invocation open, and everything that waits for
 * a request's deferred work would wait the interval too. The price: what a quiet isolate counted
 * in its last interval waits for its next API-key request, and is lost if it is evicted first.
 * The numbers are a close lower bound, not an audit trail.
 */
export const USAGE_FLUSH_INTERVAL_MS = 5_000;
/** The bound on memory: past it, uses of keys not already pending are dropped (and counted). */
export const MAX_PENDING_KEYS = 10_000;
/** After a failed flush the next waits twice as long as the one before, up to this. */
export const MAX_FLUSH_BACKOFF_MS = 300_000;
/**
 * A flush still unsettled after this long is taken for dead (its `waitUntil` lasts at most 30 s):
 * another may start, rather than a stalled D1 stopping usage writes for the isolate's life.
 */
const FLUSH_ABANDONED_AFTER_MS = 60_000;

/** How long to wait before the next flush after `failures` failures in a row. */
export function flushDelayMs(failures: number): number {
  return Math.min(USAGE_FLUSH_INTERVAL_MS * 2 ** failures, MAX_FLUSH_BACKOFF_MS);
}

const aggregate = new UsageAggregate(MAX_PENDING_KEYS);

interface FlushSchedule {
  /** No flush starts before this (epoch ms, by the requests' `now`). */
  nextFlushAt: number;
  failures: number;
  /** When the flush in flight started, if one is. */
  inFlightSince: number | null;
  /** The flush in flight: only `flushApiKeyUsageNow` awaits it. */
  inFlight: Promise<void> | null;
  /** Tells a flush taken for dead, should it settle after all, not to touch the schedule. */
  generation: number;
}

const schedule: FlushSchedule = { nextFlushAt: 0, failures: 0, inFlightSince: null, inFlight: null, generation: 0 };

function isFlushDue(nowMs: number): boolean {
  if (schedule.inFlightSince !== null && nowMs - schedule.inFlightSince < FLUSH_ABANDONED_AFTER_MS) return false;
  // A clock far behind the schedule was reset (tests do that); requests' clocks that differ by
  // the few milliseconds of concurrent requests are not, or they would bypass the backoff.
  if (schedule.nextFlushAt - nowMs > MAX_FLUSH_BACKOFF_MS + USAGE_FLUSH_INTERVAL_MS) return true;
  return nowMs >= schedule.nextFlushAt;
}

function rowsOf(entries: PendingKeyUsage[]): { counters: ApiKeyUsage[]; days: DailyUsageRow[] } {
  const counters: ApiKeyUsage[] = [];
  const days: DailyUsageRow[] = [];
  for (const entry of entries) {
    counters.push({ keyId: entry.keyId, count: usesOf(entry), lastUsedAt: entry.lastUsedAt });
    for (const [day, count] of entry.byDay) days.push({ keyId: entry.keyId, day: utcDayOfEpochDay(day), count });
  }
  return { counters, days };
}

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, 300);

/** Writes everything pending; on failure puts it back and backs off. Never rejects. */
async function flush(deps: Pick<Deps, "db">, startedAt: number): Promise<void> {
  const generation = ++schedule.generation;
  schedule.inFlightSince = startedAt;
  const entries = aggregate.drain();
  const dropped = aggregate.takeDropped();
  const current = () => generation === schedule.generation;
  try {
    const { counters, days } = rowsOf(entries);
    const rowsWritten = await addApiKeyUsage(deps.db, counters, days);
    if (current()) schedule.failures = 0;
    if (entries.length === 0 && dropped === 0) return;
    console.log(
      JSON.stringify({ level: "info", event: "api_key_usage_flushed", keys: entries.length, rowsWritten, dropped }),
    );
  } catch (err) {
    aggregate.restore(entries);
    if (current()) schedule.failures += 1;
    const retryInMs = flushDelayMs(schedule.failures);
    console.warn(
      JSON.stringify({
        level: "warn",
        event: "api_key_usage_flush_failed",
        keys: entries.length,
        retryInMs,
        dropped,
        error: errorText(err),
      }),
    );
  } finally {
    if (current()) {
      schedule.nextFlushAt = startedAt + flushDelayMs(schedule.failures);
      schedule.inFlightSince = null;
      schedule.inFlight = null;
    }
  }
}

function startFlush(deps: Pick<Deps, "db">, startedAt: number): Promise<void> {
  const work = flush(deps, startedAt);
  schedule.inFlight = work;
  return work;
}

/** Counts one verified use of a key. Synchronous bookkeeping: no I/O, no await, no throw. */
export function recordApiKeyUse(deps: Deps, keyId: number): void {
  const nowMs = deps.now.getTime();
  aggregate.add(keyId, nowMs);
  if (isFlushDue(nowMs)) deps.defer(startFlush(deps, nowMs));
}

/**
 * For tests and the bench: waits for the flush in flight, if any, then flushes whatever is pending
 * at once, whatever the schedule says (the schedule then counts from `deps.now`).
 */
export async function flushApiKeyUsageNow(deps: Pick<Deps, "db" | "now">): Promise<void> {
  if (schedule.inFlight) await schedule.inFlight;
  await startFlush(deps, deps.now.getTime());
}

/** What is pending in this isolate, for tests and diagnostics. */
export function apiKeyUsageState(): {
  pendingKeys: number;
  dropped: number;
  failures: number;
  nextFlushAt: number;
  flushing: boolean;
} {
  return {
    pendingKeys: aggregate.size,
    dropped: aggregate.dropped,
    failures: schedule.failures,
    nextFlushAt: schedule.nextFlushAt,
    flushing: schedule.inFlightSince !== null,
  };
}
