import { kvKeys } from "./keys";

/**
 * Marks a tenant suspended in KV (`tenant-suspended:{id}`, see keys.ts) until the mark expires, or
 * clears the mark.
 */
export async function writeTenantSuspension(
  kv: KVNamespace,
  tenantPublicId: string,
  suspended: boolean,
  mark: { nowMs: number; expiresInSeconds: number },
): Promise<void> {
  const key = kvKeys.tenantSuspension(tenantPublicId);
  if (suspended) await kv.put(key, JSON.stringify({ at: mark.nowMs }), { expirationTtl: mark.expiresInSeconds });
  else await kv.delete(key);
}

export async function isTenantMarkedSuspended(kv: KVNamespace, tenantPublicId: string): Promise<boolean> {
  return (await kv.get(kvKeys.tenantSuspension(tenantPublicId))) !== null;
}
