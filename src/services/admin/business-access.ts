import type { MemberRole, UserPrincipal } from "../../domain";
import { AppError } from "../../errors";
import { findBusinessByPublicId } from "../../storage/businesses";
import { primaryOf } from "../../storage/d1-sessions";
import type { BusinessRow } from "../../storage/schema";
import { type CallerMembership, findUserMembership } from "../../storage/users";
import type { Deps } from "../deps";
import { effectiveRole } from "./member-roles";

/** A caller allowed to act for a business, and the role they act with there. */
export interface BusinessCaller extends CallerMembership {
  actingRole: MemberRole;
}

/** One answer for "no such business" and "not yours", so ids of other tenants cannot be probed. */
export function businessNotFound(detail: string): AppError {
  return new AppError("not_found", { publicMessage: "Business not found.", detail });
}

/** The 403 a member gets for what their role does not allow (the reason is logged, not sent). */
export function roleForbids(detail: string): AppError {
  return new AppError("insufficient_permission", {
    publicMessage: "Your role in this business does not allow this.",
    detail,
    challenge: "bearer",
  });
}

/**
 * The caller may act for a business if they are a member of it or an `adminuser`. Read from the D1
 * primary, even on a read a replica could serve: a member removed (or an account disabled) a
 * moment ago is refused at once everywhere, since no replica's lag has a documented bound. Nothing
 * else holds a membership: tokens and sessions carry none, and nothing caches one.
 */
export async function requireBusinessAccess(
  deps: Deps,
  principal: UserPrincipal,
  business: Pick<BusinessRow, "id" | "publicId">,
): Promise<BusinessCaller> {
  const caller = await findUserMembership(primaryOf(deps.db), principal.userPublicId, business.id);
  if (caller?.status !== "active") {
    throw new AppError("session_revoked", { detail: "caller account missing or disabled", challenge: "bearer" });
  }
  const actingRole = effectiveRole(caller);
  if (actingRole === null) throw businessNotFound(`caller is not a member of business ${business.publicId}`);
  return { ...caller, actingRole };
}

/** The business by public id, if the caller may act for it; 404 otherwise. */
export async function findAccessibleBusiness(
  deps: Deps,
  principal: UserPrincipal,
  businessPublicId: string,
): Promise<{ business: BusinessRow; caller: BusinessCaller }> {
  // On the primary too, so the request starts one D1 session there rather than two.
  const business = await findBusinessByPublicId(primaryOf(deps.db), businessPublicId);
  if (!business) throw businessNotFound("unknown business");
  const caller = await requireBusinessAccess(deps, principal, business);
  return { business, caller };
}
