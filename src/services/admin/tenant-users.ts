import type { TenantUserStatus } from "../../domain";
import { AppError } from "../../errors";
import type { Page, PageRequest } from "../../storage/pagination";
import {
  findTenantUserWithIdentity,
  listTenantUsers,
  setTenantUserStatus,
  type TenantUserFilter,
  type TenantUserWithIdentity,
} from "../../storage/tenant-users";
import { recordAudit, type UserActor } from "../audit/audit-log";
import type { Deps } from "../deps";
import { revokeTenantUserFamilies } from "../token-exchange/pers-revocation";

/**
 * An operator's view of a tenant's end users (PERS), and the one switch they have over one:
 * disabled or active. A disabled user's identity tokens are refused at the exchange, their
 * refreshes are refused, and every family they had is revoked when they are disabled.
 */

type Tenant = { id: number; publicId: string };

export function findTenantUsers(
  deps: Deps,
  tenant: Tenant,
  filter: TenantUserFilter,
  page: PageRequest,
): Promise<Page<TenantUserWithIdentity>> {
  return listTenantUsers(deps.db, tenant.id, filter, page);
}

export async function requireTenantUser(deps: Deps, tenant: Tenant, publicId: string): Promise<TenantUserWithIdentity> {
  const found = await findTenantUserWithIdentity(deps.db, tenant.id, publicId);
  if (!found)
    throw new AppError("not_found", { publicMessage: "Tenant user not found.", detail: "no such tenant user" });
  return found;
}

/**
 * Disables a tenant user and revokes every family of theirs: refreshes are refused at once, and
 * their access tokens stop at the gateway within the bound of a session revocation. The status is
 * written before the families are revoked, so an exchange racing this one either is refused or
 * starts a family that the revocation then finds (`startPersSession`). Disabling a disabled user
 * changes nothing but revokes again whatever a race left.
 */
export async function disableTenantUser(
  deps: Deps,
  actor: UserActor,
  tenant: Tenant,
  publicId: string,
): Promise<TenantUserWithIdentity> {
  const { user, identity } = await requireTenantUser(deps, tenant, publicId);
  const disabled = await setTenantUserStatus(deps.db, user.id, "disabled", deps.now);
  if (!disabled) throw new AppError("not_found", { publicMessage: "Tenant user not found.", detail: "user vanished" });
  const familiesRevoked = await revokeTenantUserFamilies(deps, tenant, disabled);
  auditStatusChange(deps, actor, tenant, "disabled", user.status, publicId, { families_revoked: familiesRevoked });
  return { user: disabled, identity };
}

/** Lets a disabled tenant user sign in again. Their revoked families stay revoked: they exchange anew. */
export async function enableTenantUser(
  deps: Deps,
  actor: UserActor,
  tenant: Tenant,
  publicId: string,
): Promise<TenantUserWithIdentity> {
  const { user, identity } = await requireTenantUser(deps, tenant, publicId);
  const enabled = await setTenantUserStatus(deps.db, user.id, "active", deps.now);
  if (!enabled) throw new AppError("not_found", { publicMessage: "Tenant user not found.", detail: "user vanished" });
  auditStatusChange(deps, actor, tenant, "active", user.status, publicId);
  return { user: enabled, identity };
}

function auditStatusChange(
  deps: Deps,
  actor: UserActor,
  tenant: Tenant,
  status: TenantUserStatus,
  was: TenantUserStatus,
  target: string,
  details: Record<string, unknown> = {},
): void {
  recordAudit(deps, actor, {
    action: status === "disabled" ? "tenant_user.disable" : "tenant_user.enable",
    tenant: tenant.publicId,
    target,
    details: { was, ...details },
  });
}
