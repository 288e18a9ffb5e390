import { AppError } from "../../errors";
import { revokeRefreshTokensOfTenantUser } from "../../storage/refresh-tokens";
import type { TenantUserRow } from "../../storage/schema";
import { findTenantUserByPublicId } from "../../storage/tenant-users";
import { recordAudit, type UserActor } from "../audit/audit-log";
import type { Deps } from "../deps";
import { recordRevocation } from "./pers-sessions";

/**
 * An admin ends every PERS session of one tenant user: D1 refuses the families' refresh tokens at
 * once, and their access tokens stop at the gateway as each family's KV record turns "revoked"
 * (here at once; elsewhere within the liveness cache plus KV's propagation, ≤ 60 s).
 * Returns how many families were still live.
 */
export async function revokeTenantUserSessions(
  deps: Deps,
  actor: UserActor,
  tenant: { id: number; publicId: string },
  userPublicId: string,
): Promise<number> {
  const user = await findTenantUserByPublicId(deps.db, tenant.id, userPublicId);
  if (!user) throw new AppError("not_found", { detail: "no such tenant user" });
  const familiesRevoked = await revokeTenantUserFamilies(deps, tenant, user);
  recordAudit(deps, actor, {
    action: "pers_session.revoke",
    tenant: tenant.publicId,
    target: user.publicId,
    details: { families_revoked: familiesRevoked },
  });
  return familiesRevoked;
}

/** Revokes every family of the user, in D1 then in KV; how many were not revoked yet. */
export async function revokeTenantUserFamilies(
  deps: Deps,
  tenant: { id: number; publicId: string },
  user: TenantUserRow,
): Promise<number> {
  const familyIds = await revokeRefreshTokensOfTenantUser(deps.db, tenant.id, user.id);
  await Promise.all(
    familyIds.map((familyId) =>
      recordRevocation(deps, {
        tenantPublicId: tenant.publicId,
        tenantUserPublicId: user.publicId,
        // The KV record's auth type is informational; liveness reads only status and tenant.
        authType: "user",
        familyId,
        anonymous: user.kind === "anonymous",
        authTime: Math.floor(deps.now.getTime() / 1000),
      }),
    ),
  );
  return familyIds.length;
}
