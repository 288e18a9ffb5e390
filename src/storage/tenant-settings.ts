import { eq } from "drizzle-orm";
import type { AdminIdentity, OptInAuthType } from "../domain";
import type { Database } from "./db";
import { type TenantSettingsRow, tenantSettings } from "./schema";

export async function findTenantSettings(db: Database, tenantId: number): Promise<TenantSettingsRow | null> {
  const row = await db.select().from(tenantSettings).where(eq(tenantSettings.tenantId, tenantId)).get();
  return row ?? null;
}

export interface TenantSettingsValues {
  allowJwtForUnauthenticatedUsers: boolean;
  enabledAuthTypes: OptInAuthType[];
  adminIdentities: AdminIdentity[];
}

/** Replaces a tenant's settings (creating the row on first use). */
export async function upsertTenantSettings(
  db: Database,
  tenantId: number,
  values: TenantSettingsValues,
  now: Date,
): Promise<TenantSettingsRow> {
  const [row] = await db
    .insert(tenantSettings)
    .values({ tenantId, ...values, updatedAt: now })
    .onConflictDoUpdate({ target: tenantSettings.tenantId, set: { ...values, updatedAt: now } })
    .returning();
  if (!row) throw new Error("tenant settings upsert returned no row");
  return row;
}
