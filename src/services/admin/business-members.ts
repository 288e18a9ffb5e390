import { sha256Base64url } from "../../crypto/digest";
import type { MemberRole, UserPrincipal } from "../../domain";
import { AppError } from "../../errors";
import {
  type BusinessMember,
  deleteMembershipKeepingAnOwner,
  insertMembershipIfAbsent,
  listMembersOfBusiness,
  updateMemberRoleKeepingAnOwner,
} from "../../storage/business-members";
import type { Page, PageRequest } from "../../storage/pagination";
import type { BusinessRow } from "../../storage/schema";
import { findUserByEmail, findUserByPublicId, findUserMembership } from "../../storage/users";
import { type AuditAction, recordAudit, type UserActor } from "../audit/audit-log";
import { normalizeEmail } from "../auth/password-login";
import type { Deps } from "../deps";
import { findAccessibleBusiness, roleForbids } from "./business-access";
import { memberAdditionRefusal, memberRemovalRefusal, removableRoles, roleChangeRefusal } from "./member-roles";

/**
 * A business's members as its own members manage them (`/v1/businesses/{id}/members`), under the
 * rules of member-roles.ts. Every refusal after the caller's access is known is audited like the
 * change it refused, and changes nothing.
 */

export interface MemberRoleChange {
  businessPublicId: string;
  memberPublicId: string;
  role: MemberRole;
}

export interface MemberOfBusiness {
  memberPublicId: string;
  businessPublicId: string;
  role: MemberRole;
}

const memberNotFound = (detail: string) => new AppError("not_found", { publicMessage: "Member not found.", detail });

/** Audits a refusal; returns its error for the caller to throw. */
function audited(deps: Deps, actor: UserActor, action: AuditAction, entry: RefusalEntry, error: AppError): AppError {
  recordAudit(deps, actor, { action, ...entry });
  return error;
}

interface RefusalEntry {
  tenant: string;
  target: string | null;
  details: Record<string, unknown>;
}

/** Every member of the business, for any of its members (and admins): the role table lets each read them. */
export async function listMembers(
  deps: Deps,
  principal: UserPrincipal,
  businessPublicId: string,
  page: PageRequest,
): Promise<{ business: BusinessRow; members: Page<BusinessMember> }> {
  const { business } = await findAccessibleBusiness(deps, principal, businessPublicId);
  return { business, members: await listMembersOfBusiness(deps.db, business.id, page) };
}

export interface MemberAddition {
  businessPublicId: string;
  /** An existing account, by public id or by email (compared as login compares it). */
  user: { publicId: string } | { email: string };
  role: MemberRole;
}

/**
 * Makes an existing account a member. The role rule is checked before the account is looked up,
 * so a caller who may not add members learns nothing about which accounts exist. One who may
 * learns whether an email is registered, as registration already tells anyone (rate limited
 * there); each such look-up is audited.
 */
export async function addMember(
  deps: Deps,
  actor: UserActor,
  addition: MemberAddition,
): Promise<{ business: BusinessRow; member: BusinessMember }> {
  const { business, caller } = await findAccessibleBusiness(deps, actor.principal, addition.businessPublicId);
  const byEmail = "email" in addition.user ? normalizeEmail(addition.user.email) : null;
  const audit = {
    tenant: business.publicId,
    target: "publicId" in addition.user ? addition.user.publicId : null,
    details: {
      role: caller.actingRole,
      to: addition.role,
      ...(byEmail === null ? {} : { email_sha256: await sha256Base64url(byEmail) }),
    },
  };
  const refused = (reason: string, error: AppError, target = audit.target) =>
    audited(deps, actor, "member.add_refused", { ...audit, target, details: { ...audit.details, reason } }, error);

  const refusal = memberAdditionRefusal(caller.actingRole, addition.role);
  if (refusal !== null) throw refused(refusal, roleForbids(refusal));
  const user =
    byEmail === null
      ? await findUserByPublicId(deps.db, (addition.user as { publicId: string }).publicId)
      : await findUserByEmail(deps.db, byEmail);
  if (!user) throw refused("unknown user", new AppError("not_found", { publicMessage: "User not found." }));
  const joinedAt = deps.now;
  const added = await insertMembershipIfAbsent(deps.db, {
    businessId: business.id,
    userId: user.id,
    role: addition.role,
    now: joinedAt,
  });
  if (!added) throw refused("already a member", new AppError("already_member"), user.publicId);
  recordAudit(deps, actor, {
    action: "member.add",
    tenant: business.publicId,
    target: user.publicId,
    details: { role: addition.role, user_type: user.userType },
  });
  const member: BusinessMember = {
    userId: user.id,
    userPublicId: user.publicId,
    email: user.email,
    userType: user.userType,
    status: user.status,
    role: addition.role,
    joinedAt,
  };
  return { business, member };
}

/**
 * Ends a membership: owners remove anyone, admins non-owners, and every member may leave; never
 * the last owner (409). It takes effect at once for everything a membership authorizes, since
 * every such check reads the membership from the primary (business-access.ts). The business's
 * keys the member created keep working: keys belong to the business.
 */
export async function removeMember(
  deps: Deps,
  actor: UserActor,
  removal: { businessPublicId: string; memberPublicId: string },
): Promise<MemberOfBusiness> {
  const { business, caller } = await findAccessibleBusiness(deps, actor.principal, removal.businessPublicId);
  const member = await findUserMembership(deps.db, removal.memberPublicId, business.id);
  if (member?.role == null) throw memberNotFound("not a member of this business");
  const leaving = removal.memberPublicId === actor.principal.userPublicId;
  const refused = (reason: string, memberRole: MemberRole, error: AppError) =>
    audited(
      deps,
      actor,
      "member.remove_refused",
      {
        tenant: business.publicId,
        target: removal.memberPublicId,
        details: { role: caller.actingRole, member_role: memberRole, reason },
      },
      error,
    );

  const refusal = memberRemovalRefusal(caller.actingRole, member.role, leaving);
  if (refusal !== null) throw refused(refusal, member.role, roleForbids(refusal));
  const removed = await deleteMembershipKeepingAnOwner(
    deps.db,
    business.id,
    member.userId,
    removableRoles(caller.actingRole, leaving),
  );
  if (removed === null) {
    // Either the last owner, or the membership changed since it was read: say which, as it is now.
    const now = await findUserMembership(deps.db, removal.memberPublicId, business.id);
    if (now?.role == null) throw memberNotFound("removed by a concurrent request");
    const later = memberRemovalRefusal(caller.actingRole, now.role, leaving);
    if (later !== null) throw refused(later, now.role, roleForbids(later));
    throw refused("last owner", now.role, new AppError("last_owner", { detail: "removing the last owner" }));
  }
  recordAudit(deps, actor, {
    action: "member.remove",
    tenant: business.publicId,
    target: removal.memberPublicId,
    details: { role: removed, left: leaving },
  });
  return { memberPublicId: removal.memberPublicId, businessPublicId: business.publicId, role: removed };
}

/**
 * Owners set any member's role; admins move non-owners among admin, developer and viewer. The last
 * owner cannot be demoted (409), whoever asks. Refusals are audited like the change itself.
 */
export async function changeMemberRole(
  deps: Deps,
  actor: UserActor,
  change: MemberRoleChange,
): Promise<MemberOfBusiness> {
  const { business, caller } = await findAccessibleBusiness(deps, actor.principal, change.businessPublicId);
  const member = await findUserMembership(deps.db, change.memberPublicId, business.id);
  if (member?.role == null) throw memberNotFound("not a member of this business");
  const result = { memberPublicId: change.memberPublicId, businessPublicId: business.publicId, role: change.role };
  const refused = (reason: string, error: AppError) =>
    audited(
      deps,
      actor,
      "member.role_change_refused",
      {
        tenant: business.publicId,
        target: change.memberPublicId,
        details: { role: caller.actingRole, from: member.role, to: change.role, reason },
      },
      error,
    );
  const refusal = roleChangeRefusal(caller.actingRole, member.role, change.role);
  if (refusal !== null) throw refused(refusal, roleForbids(refusal));
  if (member.role === change.role) return result;
  if (!(await updateMemberRoleKeepingAnOwner(deps.db, business.id, member.userId, member.role, change.role))) {
    // Either the last owner, or the membership changed since it was read: say which, as it is now.
    const now = await findUserMembership(deps.db, change.memberPublicId, business.id);
    if (now?.role == null) throw memberNotFound("removed by a concurrent request");
    if (now.role !== member.role) {
      const later = roleChangeRefusal(caller.actingRole, now.role, change.role);
      if (later !== null) throw refused(later, roleForbids(later));
      throw refused("changed meanwhile", new AppError("member_changed", { detail: "role changed since it was read" }));
    }
    throw refused("last owner", new AppError("last_owner", { detail: "demoting the last owner" }));
  }
  recordAudit(deps, actor, {
    action: "member.role_change",
    tenant: business.publicId,
    target: change.memberPublicId,
    details: { from: member.role, to: change.role },
  });
  return result;
}
