import { AppError } from "../../errors";
import { primaryOf } from "../../storage/d1-sessions";
import { findLiveFamilyAuthorizations } from "../../storage/pers-authorization";
import { revokeRefreshTokenFamilies, revokeRefreshTokensOfTenantUser } from "../../storage/refresh-tokens";
import type { TenantUserRow } from "../../storage/schema";
import { findTenantUserByPublicId } from "../../storage/tenant-users";
import { type AuditEntry, recordAudit, type UserActor } from "../audit/audit-log";
import type { Deps } from "../deps";
import { recordRevocation } from "./pers-sessions";
import type { PersSession } from "./pers-tokens";
import { refreshRefusal } from "./refresh-authorization";

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
        // As informational as the auth type: the record's mode is never read.
        mode: "live",
        authTime: Math.floor(deps.now.getTime() / 1000),
      }),
    ),
  );
  return familyIds.length;
}

/** KV "revoked" records one change writes; a Worker invocation may make at most 1,000 KV calls. */
const MAX_KV_REVOCATIONS_PER_CHANGE = 500;

/**
 * After a change to what authorizes a tenant's sessions (an identity provider removed, disabled
 * or moved to another issuer; the admin list, the auth types or anonymous users in its settings),
 * ends every live family the change no longer authorizes, as revoking a tenant user's sessions
 * does: D1 at once, KV here at once and elsewhere within the liveness bound (≤ 60 s). The rules
 * are the refresh's own (`refreshRefusal`), so a family ends now exactly when its next refresh
 * would have been refused. Returns how many families ended.
 */
export async function revokeFamiliesNoLongerAuthorized(
  deps: Deps,
  tenant: { id: number; publicId: string },
): Promise<number> {
  // On the primary: an exchange that wrote its row just before the change must be seen here.
  const families = await findLiveFamilyAuthorizations(primaryOf(deps.db), tenant.id, deps.now);
  const ended: PersSession[] = [];
  for (const { familyId, authType, authorization } of families) {
    const user = authorization.tenantUser;
    const session: PersSession = {
      tenantPublicId: tenant.publicId,
      tenantUserPublicId: user?.publicId ?? "",
      authType,
      familyId,
      anonymous: user?.kind === "anonymous",
      // What authorizes a family does not depend on its mode.
      mode: "live",
      authTime: Math.floor(deps.now.getTime() / 1000),
    };
    // A suspension ends nothing for good (reinstating revives the tenant's tokens): not counted here.
    const unsuspended = { ...authorization, tenantStatus: "verified" as const };
    if (refreshRefusal(unsuspended, session) !== null) ended.push(session);
  }
  if (ended.length === 0) return 0;
  await revokeRefreshTokenFamilies(
    deps.db,
    tenant.id,
    ended.map((session) => session.familyId),
  );
  // Past the cap, the families' refresh tokens are refused all the same (D1, above) and their
  // access tokens end with their lifetime.
  const marked = ended.slice(0, MAX_KV_REVOCATIONS_PER_CHANGE);
  await Promise.all(marked.map((session) => recordRevocation(deps, session)));
  if (ended.length > marked.length) {
    console.error(
      JSON.stringify({
        level: "warn",
        event: "pers_family_revocations_unmarked",
        tenant: tenant.publicId,
        families: ended.length - marked.length,
      }),
    );
  }
  return ended.length;
}

/**
 * A saved change to what authorizes a tenant's sessions: ends those it no longer authorizes (when
 * `endsSessions`), then audits the change with how many ended. The change is saved already, so
 * it is audited even when ending them fails (`families_revoked: null`; saving again finishes).
 */
export async function endSessionsOfChange(
  deps: Deps,
  actor: UserActor,
  tenant: { id: number; publicId: string },
  change: { endsSessions: boolean; audit: AuditEntry },
): Promise<void> {
  let familiesRevoked: number | null = change.endsSessions ? null : 0;
  try {
    if (change.endsSessions) familiesRevoked = await revokeFamiliesNoLongerAuthorized(deps, tenant);
  } finally {
    recordAudit(deps, actor, {
      ...change.audit,
      details: { ...change.audit.details, families_revoked: familiesRevoked },
    });
  }
}
