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
  /** Set by a status change in this isolate (at that request's time), not by a read. */
  changedHereAt?: number;
}

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
  const suspended = await readMark(deps, tenantPublicId);
  // Changed here while the read was under way: that is newer than whatever the read found.
  const changed = suspensions.peek(tenantPublicId);
  if (changed?.changedHereAt !== undefined && changed.changedHereAt >= nowMs) return changed.suspended;
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
  await writeTenantSuspension(deps.kv, tenantPublicId, suspended, nowMs);
  const cacheMs = deps.config.sessionLivenessCacheSeconds * 1000;
  if (cacheMs > 0) {
    suspensions.set(tenantPublicId, { suspended, cachedUntil: nowMs + cacheMs, changedHereAt: nowMs });
  } else {
    suspensions.delete(tenantPublicId);
  }
}
