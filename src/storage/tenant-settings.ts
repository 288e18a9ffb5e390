import { eq, isNotNull } from "drizzle-orm";
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
  /** Null: the tenant has no list of its own and the global default applies. */
  allowedOrigins: string[] | null;
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

export interface TenantOriginList {
  tenantId: number;
  allowedOrigins: string[];
}

/** The browser-origin list of every tenant that set one: one read, for the per-isolate CORS cache. */
export async function listTenantOriginLists(db: Database): Promise<TenantOriginList[]> {
  const rows = await db
    .select({ tenantId: tenantSettings.tenantId, allowedOrigins: tenantSettings.allowedOrigins })
    .from(tenantSettings)
    .where(isNotNull(tenantSettings.allowedOrigins));
  return rows.flatMap((row) =>
    row.allowedOrigins ? [{ tenantId: row.tenantId, allowedOrigins: row.allowedOrigins }] : [],
  );
}
