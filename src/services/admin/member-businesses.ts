import type { MemberRole, UserPrincipal } from "../../domain";
import { AppError } from "../../errors";
import type { BusinessRow } from "../../storage/schema";
import { findUserByPublicId, listMembershipsOfUser } from "../../storage/users";
import type { Deps } from "../deps";

/**
 * The businesses the signed-in person belongs to, with their role in each (the dashboard's home).
 * Read from D1, so an account disabled since its session began is refused like everywhere else.
 */
export async function listOwnBusinesses(
  deps: Deps,
  principal: UserPrincipal,
): Promise<Array<{ business: BusinessRow; role: MemberRole }>> {
  const user = await findUserByPublicId(deps.db, principal.userPublicId);
  if (user?.status !== "active") {
    throw new AppError("invalid_session", { detail: "account gone or disabled", challenge: "session" });
  }
  return listMembershipsOfUser(deps.db, user.id);
}
