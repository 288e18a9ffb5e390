import type { AdminIdentity, OptInAuthType, PersAuthType } from "../../domain";
import { AppError } from "../../errors";
import type { TenantSettingsValues } from "../../storage/tenant-settings";
import type { VerifiedIdentity } from "./identity-tokens";

function isAdmin(admins: readonly AdminIdentity[], identity: VerifiedIdentity): boolean {
  return admins.some((admin) => admin.issuer === identity.issuer && admin.subject === identity.subject);
}

/**
 * May this verified identity open a session of `authType` at this tenant?
 * - `user`: always.
 * - `tenant`: only identities on the tenant's admin list (issuer + subject, never email).
 * - `business`, `system`, `external`: only when the tenant switched them on.
 */
export function authorizeAuthType(
  settings: Pick<TenantSettingsValues, "enabledAuthTypes" | "adminIdentities">,
  authType: PersAuthType,
  identity: VerifiedIdentity,
): void {
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
