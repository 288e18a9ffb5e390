import type { MemberRole } from "../../domain";
import { AppError } from "../../errors";
import { findUserMembership, updateMemberRoleKeepingAnOwner } from "../../storage/users";
import { recordAudit, type UserActor } from "../audit/audit-log";
import type { Deps } from "../deps";
import { findAccessibleBusiness, roleForbids } from "./business-access";
import { roleChangeRefusal } from "./member-roles";

export interface MemberRoleChange {
  businessPublicId: string;
  memberPublicId: string;
  role: MemberRole;
}

const memberNotFound = (detail: string) => new AppError("not_found", { publicMessage: "Member not found.", detail });

/**
 * Owners set any member's role; admins move non-owners among admin, developer and viewer. The last
 * owner cannot be demoted (409), whoever asks. Refusals are audited like the change itself.
 */
export async function changeMemberRole(
  deps: Deps,
  actor: UserActor,
  change: MemberRoleChange,
): Promise<{ memberPublicId: string; businessPublicId: string; role: MemberRole }> {
  const { business, caller } = await findAccessibleBusiness(deps, actor.principal, change.businessPublicId);
  const member = await findUserMembership(deps.db, change.memberPublicId, business.id);
  if (member?.role == null) throw memberNotFound("not a member of this business");
  const result = { memberPublicId: change.memberPublicId, businessPublicId: business.publicId, role: change.role };
  const audit = { tenant: business.publicId, target: change.memberPublicId };
  const refuse = (reason: string, error: AppError): never => {
    recordAudit(deps, actor, {
      action: "member.role_change_refused",
      ...audit,
      details: { role: caller.actingRole, from: member.role, to: change.role, reason },
    });
    throw error;
  };
  const refusal = roleChangeRefusal(caller.actingRole, member.role, change.role);
  if (refusal !== null) refuse(refusal, roleForbids(refusal));
  if (member.role === change.role) return result;
  if (!(await updateMemberRoleKeepingAnOwner(deps.db, business.id, member.userId, change.role))) {
    refuse("last owner", new AppError("last_owner", { detail: "demoting the last owner" }));
  }
  recordAudit(deps, actor, {
    action: "member.role_change",
    ...audit,
    details: { from: member.role, to: change.role },
  });
  return result;
}
