import { AppError } from "../../errors";
import type { TenantSettingsRow } from "../../storage/schema";
import { findTenantSettings, type TenantSettingsValues, upsertTenantSettings } from "../../storage/tenant-settings";
import type { UserActor } from "../audit/audit-log";
import type { Deps } from "../deps";
import { forgetTenantOriginLists } from "./browser-origins";
import { endSessionsOfChange } from "./pers-revocation";

export interface TenantSettings extends TenantSettingsValues {
  updatedAt: Date | null;
}

/**
 * A tenant that never saved settings: only `user` exchanges, no anonymous users, no admins, and
 * the global default's browser origins.
 */
const DEFAULT_SETTINGS: TenantSettings = {
  allowJwtForUnauthenticatedUsers: false,
  enabledAuthTypes: [],
  adminIdentities: [],
  allowedOrigins: null,
  updatedAt: null,
};

function settingsOf(row: TenantSettingsRow): TenantSettings {
  return {
    allowJwtForUnauthenticatedUsers: row.allowJwtForUnauthenticatedUsers,
    enabledAuthTypes: row.enabledAuthTypes,
    adminIdentities: row.adminIdentities,
    allowedOrigins: row.allowedOrigins,
    updatedAt: row.updatedAt,
  };
}

export async function loadTenantSettings(deps: Deps, tenantId: number): Promise<TenantSettings> {
  const row = await findTenantSettings(deps.db, tenantId);
  return row ? settingsOf(row) : DEFAULT_SETTINGS;
}

const unique = <T>(items: T[], keyOf: (item: T) => string) => [
  ...new Map(items.map((item) => [keyOf(item), item])).values(),
];

function normalised(values: TenantSettingsValues): TenantSettingsValues {
  return {
    allowJwtForUnauthenticatedUsers: values.allowJwtForUnauthenticatedUsers,
    enabledAuthTypes: unique(values.enabledAuthTypes, (type) => type),
    adminIdentities: unique(values.adminIdentities, (admin) => JSON.stringify([admin.issuer, admin.subject])),
    allowedOrigins: values.allowedOrigins && unique(values.allowedOrigins, (origin) => origin),
  };
}

/** The settings fields whose value changed, as `{ field: { from, to } }` (settings hold no secrets). */
function changedSettings(before: TenantSettingsValues, after: TenantSettingsValues) {
  const fields = Object.keys(after) as Array<keyof TenantSettingsValues>;
  return Object.fromEntries(
    fields
      .filter((field) => JSON.stringify(before[field]) !== JSON.stringify(after[field]))
      .map((field) => [field, { from: before[field], to: after[field] }]),
  );
}

/** Saves every field of a tenant's settings (a PUT); `changeTenantSettings` is the partial form. */
export async function replaceTenantSettings(
  deps: Deps,
  actor: UserActor,
  tenant: { id: number; publicId: string },
  values: TenantSettingsValues,
): Promise<TenantSettings> {
  const before = await loadTenantSettings(deps, tenant.id);
  const after = normalised(values);
  const row = await upsertTenantSettings(deps.db, tenant.id, after, deps.now);
  // At once in this isolate; other isolates within their cache's lifetime.
  forgetTenantOriginLists();
  // An admin removed from the list, an auth type switched off, anonymous users no longer allowed.
  await endSessionsOfChange(deps, actor, tenant, {
    endsSessions: true,
    audit: {
      action: "tenant_settings.update",
      tenant: tenant.publicId,
      target: tenant.publicId,
      details: { changes: changedSettings(before, after) },
    },
  });
  return settingsOf(row);
}

/**
 * Changes only the fields given (a PATCH). D1 has no transactions: two concurrent PATCHes of
 * different fields may each keep the other's old value; the audit log shows both.
 */
export async function changeTenantSettings(
  deps: Deps,
  actor: UserActor,
  tenant: { id: number; publicId: string },
  changes: Partial<TenantSettingsValues>,
): Promise<TenantSettings> {
  if (Object.values(changes).every((value) => value === undefined)) {
    throw new AppError("invalid_request", { publicMessage: "Nothing to update: give at least one setting." });
  }
  const { updatedAt: _, ...current } = await loadTenantSettings(deps, tenant.id);
  const defined = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
  return replaceTenantSettings(deps, actor, tenant, { ...current, ...defined });
}
