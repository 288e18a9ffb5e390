import { CACHE_BUDGET_BYTES, ENTRY_OVERHEAD_BYTES, NUMBER_BYTES, objectBytes, stringBytes } from "../../isolate-memory";
import { LruCache } from "../../lru-cache";
import { isTenantMarkedSuspended, writeTenantSuspension } from "../../storage/tenant-suspensions";
import type { Deps } from "../deps";

/**
 * Whether a PERS tenant is suspended, as the gateway needs it for every PERS access token: a KV
 * mark (D1 holds the status itself; a suspension stops new exchanges and refreshes there), cached
 * per isolate for `sessionLivenessCacheSeconds` like a family record, so a warm request reads
 * nothing. The isolate that changes the status knows at once; others within the cache lifetime,
 * plus KV's own propagation in other locations.
 */
interface CachedSuspension {
  suspended: boolean;
  cachedUntil: number;
  /** Set by a status change in this isolate (its number in `changesHere`), not by a read. */
  change?: number;
}

/** Status changes made in this isolate so far: a read that saw one made meanwhile keeps its answer out. */
let changesHere = 0;

const suspensions = new LruCache<string, CachedSuspension>({
  maxBytes: CACHE_BUDGET_BYTES.tenantSuspensions,
  sizeOf: (tenantPublicId) => ENTRY_OVERHEAD_BYTES + stringBytes(tenantPublicId) + objectBytes(3) + 2 * NUMBER_BYTES,
});
/** Concurrent misses for one tenant share one KV read. */
const reads = new Map<string, Promise<boolean>>();

function readMark(deps: Deps, tenantPublicId: string): Promise<boolean> {
  const pending = reads.get(tenantPublicId);
  if (pending) return pending;
  const read: Promise<boolean> = isTenantMarkedSuspended(deps.kv, tenantPublicId).finally(() => {
    if (reads.get(tenantPublicId) === read) reads.delete(tenantPublicId);
  });
  reads.set(tenantPublicId, read);
  return read;
}

export async function isTenantSuspended(deps: Deps, tenantPublicId: string): Promise<boolean> {
  const nowMs = deps.now.getTime();
  const cached = suspensions.get(tenantPublicId);
  if (cached && cached.cachedUntil > nowMs) return cached.suspended;
  const changesBefore = changesHere;
  const suspended = await readMark(deps, tenantPublicId);
  // Changed here while the read was under way: that is newer than whatever the read found.
  const changed = suspensions.peek(tenantPublicId);
  if (changed?.change !== undefined && changed.change > changesBefore) return changed.suspended;
  const cacheMs = deps.config.sessionLivenessCacheSeconds * 1000;
  if (cacheMs > 0) suspensions.set(tenantPublicId, { suspended, cachedUntil: nowMs + cacheMs });
  return suspended;
}

/**
 * Records a tenant's new status for the gateway: in KV for every isolate, and in this isolate's
 * cache at once. Called after D1's status changed, with every status sent (not only a change),
 * so that repeating a change whose KV write failed finishes it.
 */
export async function recordTenantSuspension(deps: Deps, tenantPublicId: string, suspended: boolean): Promise<void> {
  const nowMs = deps.now.getTime();
  await writeTenantSuspension(deps.kv, tenantPublicId, suspended, {
    nowMs,
    expiresInSeconds: suspensionMarkSeconds(deps.config.persAccessTokenTtlSeconds),
  });
  // A read already under way may predate the write: later callers start one of their own.
  reads.delete(tenantPublicId);
  const change = ++changesHere;
  const cacheMs = deps.config.sessionLivenessCacheSeconds * 1000;
  if (cacheMs > 0) {
    suspensions.set(tenantPublicId, { suspended, cachedUntil: nowMs + cacheMs, change });
  } else {
    suspensions.delete(tenantPublicId);
  }
}

/** Past the access-token lifetime: clock skew between locations, and KV's own propagation. */
const SUSPENSION_MARK_MARGIN_SECONDS = 300;

/**
 * How long a suspension mark lives. A suspended tenant gets no new access token (exchange and
 * refresh check D1), so once every token issued before the suspension has expired the mark has
 * nothing left to stop; expiring then also heals a mark that a concurrent reinstatement, or a
 * failed delete, left behind.
 */
export function suspensionMarkSeconds(accessTokenTtlSeconds: number): number {
  return accessTokenTtlSeconds + SUSPENSION_MARK_MARGIN_SECONDS;
}
