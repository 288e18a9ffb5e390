import type { PersAuthType } from "../domain";
import { kvExpiration, kvKeys } from "./keys";

/** What KV says about a PERS refresh-token family. */
export interface PersFamilyRecord {
  status: "live" | "revoked";
  tenantPublicId: string;
  tenantUserPublicId: string;
  authType: PersAuthType;
  /** When the family's newest refresh token expires (ms); the record goes with it. */
  expiresAt: number;
  revokedAt?: number;
}

export async function putPersFamily(
  kv: KVNamespace,
  familyId: string,
  record: PersFamilyRecord,
  nowMs: number,
): Promise<void> {
  await kv.put(kvKeys.persFamily(familyId), JSON.stringify(record), {
    expiration: kvExpiration(record.expiresAt, nowMs),
  });
}

export async function getPersFamily(kv: KVNamespace, familyId: string): Promise<PersFamilyRecord | null> {
  return kv.get<PersFamilyRecord>(kvKeys.persFamily(familyId), "json");
}
