import type { UserPrincipal } from "../../domain";
import { AppError } from "../../errors";
import { findBusinessByPublicId } from "../../storage/businesses";
import type { BusinessRow } from "../../storage/schema";
import { type CallerMembership, findUserMembership } from "../../storage/users";
import type { Deps } from "../deps";

/** One answer for "no such business" and "not yours", so ids of other tenants cannot be probed. */
export function businessNotFound(detail: string): AppError {
  return new AppError("not_found", { publicMessage: "Business not found.", detail });
}

/**
 * The caller may act for a business if they are a member of it or an `adminuser`. Read from D1
 * (the management API is not a hot path), which also refuses an account disabled since its token
 * was issued.
 */
export async function requireBusinessAccess(
  deps: Deps,
  principal: UserPrincipal,
  business: Pick<BusinessRow, "id" | "publicId">,
): Promise<CallerMembership> {
  const caller = await findUserMembership(deps.db, principal.userPublicId, business.id);
  if (caller?.status !== "active") {
    throw new AppError("session_revoked", { detail: "caller account missing or disabled", challenge: "bearer" });
  }
  if (caller.userType !== "adminuser" && caller.role === null) {
    throw businessNotFound(`caller is not a member of business ${business.publicId}`);
  }
  return caller;
}

/** The business by public id, if the caller may act for it; 404 otherwise. */
export async function findAccessibleBusiness(
  deps: Deps,
  principal: UserPrincipal,
  businessPublicId: string,
): Promise<{ business: BusinessRow; caller: CallerMembership }> {
  const business = await findBusinessByPublicId(deps.db, businessPublicId);
  if (!business) throw businessNotFound("unknown business");
  const caller = await requireBusinessAccess(deps, principal, business);
  return { business, caller };
}
