import type { AdminIdentity, OptInAuthType, PersAuthType } from "../../domain";
import { AppError } from "../../errors";
import type { TenantSettingsRow } from "../../storage/schema";
import { findTenantSettings, type TenantSettingsValues, upsertTenantSettings } from "../../storage/tenant-settings";
import type { Deps } from "../deps";
import { forgetTenantOriginLists } from "./browser-origins";
import type { VerifiedIdentity } from "./identity-tokens";

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

export async function replaceTenantSettings(
  deps: Deps,
  tenantId: number,
  values: TenantSettingsValues,
): Promise<TenantSettings> {
  const unique = <T>(items: T[], keyOf: (item: T) => string) => [
    ...new Map(items.map((item) => [keyOf(item), item])).values(),
  ];
  const row = await upsertTenantSettings(
    deps.db,
    tenantId,
    {
      allowJwtForUnauthenticatedUsers: values.allowJwtForUnauthenticatedUsers,
      enabledAuthTypes: unique(values.enabledAuthTypes, (type) => type),
      adminIdentities: unique(values.adminIdentities, (admin) => JSON.stringify([admin.issuer, admin.subject])),
      allowedOrigins: values.allowedOrigins && unique(values.allowedOrigins, (origin) => origin),
    },
    deps.now,
  );
  // At once in this isolate; other isolates within their cache's lifetime.
  forgetTenantOriginLists();
  return settingsOf(row);
}

function isAdmin(admins: readonly AdminIdentity[], identity: VerifiedIdentity): boolean {
  return admins.some((admin) => admin.issuer === identity.issuer && admin.subject === identity.subject);
}

/**
 * May this verified identity open a session of `authType` at this tenant?
 * - `user`: always.
 * - `tenant`: only identities on the tenant's admin list (issuer + subject, never email).
 * - `business`, `system`, `external`: only when the tenant switched them on.
 */
export function authorizeAuthType(settings: TenantSettings, authType: PersAuthType, identity: VerifiedIdentity): void {
  if (authType === "user") return;
  if (authType === "tenant") {
    if (!isAdmin(settings.adminIdentities, identity)) {
      throw new AppError("insufficient_permission", { detail: "identity is not an admin of the tenant" });
    }
    return;
  }
  if (!settings.enabledAuthTypes.includes(authType as OptInAuthType)) {
    throw new AppError("auth_type_not_enabled", { detail: `authType ${authType} is off for the tenant` });
  }
}
