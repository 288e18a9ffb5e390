import { hashPassword } from "../../crypto/passwords";
import type { MemberRole, UserType } from "../../domain";
import { AppError } from "../../errors";
import { findBusinessesByPublicIds } from "../../storage/businesses";
import type { Page, PageRequest } from "../../storage/pagination";
import type { BusinessRow, UserRow } from "../../storage/schema";
import {
  findUserByPublicId,
  insertUserWithMemberships,
  listMembershipsOfUser,
  listUsers,
  setUserStatus,
  updatePasswordHash,
} from "../../storage/users";
import { recordAudit, type UserActor } from "../audit/audit-log";
import { normalizeEmail, passwordPolicy } from "../auth/password-login";
import type { Deps } from "../deps";
import { deleteAllSessions, depsAfterWrite, revokeAccountSessions } from "../sessions/session-records";
import { businessNotFound } from "./business-access";

/** Users of every type as administrators manage them: the only way agents and admins are made. */

export interface NewUserRequest {
  email: string;
  password: string;
  userType: UserType;
  firstName: string;
  lastName: string;
  phoneNumber: string | null;
  memberships: Array<{ businessPublicId: string; role: MemberRole }>;
}

export interface UserWithMemberships {
  user: UserRow;
  memberships: Array<{ business: BusinessRow; role: MemberRole }>;
}

export async function createUserAccount(
  deps: Deps,
  actor: UserActor,
  request: NewUserRequest,
): Promise<UserWithMemberships> {
  const wanted = [...new Set(request.memberships.map((m) => m.businessPublicId))];
  if (wanted.length !== request.memberships.length) {
    throw new AppError("invalid_request", { publicMessage: "Invalid businesses: each business at most once." });
  }
  const found = await findBusinessesByPublicIds(deps.db, wanted);
  const byPublicId = new Map(found.map((business) => [business.publicId, business]));
  const memberships = request.memberships.map(({ businessPublicId, role }) => {
    const business = byPublicId.get(businessPublicId);
    if (!business) throw businessNotFound("membership of an unknown business");
    return { business, role };
  });

  const email = request.email.trim();
  const user = await insertUserWithMemberships(
    deps.db,
    {
      publicId: crypto.randomUUID(),
      userType: request.userType,
      email,
      emailNormalized: normalizeEmail(email),
      firstName: request.firstName,
      lastName: request.lastName,
      displayName: `${request.firstName} ${request.lastName}`.trim(),
      phoneNumber: request.phoneNumber,
      passwordHash: await hashPassword(request.password, passwordPolicy(deps)),
      now: deps.now,
    },
    memberships.map(({ business, role }) => ({ businessId: business.id, role })),
  );
  if (!user) throw new AppError("email_taken");
  recordAudit(deps, actor, {
    action: "user.create",
    target: user.publicId,
    details: {
      user_type: user.userType,
      businesses: memberships.map(({ business, role }) => ({ business_id: business.publicId, role })),
    },
  });
  return { user, memberships };
}

export function findUsers(deps: Deps, filter: { userType?: UserType }, page: PageRequest): Promise<Page<UserRow>> {
  return listUsers(deps.db, filter, page);
}

/** One user by public id, or null: what a page names before it asks to confirm an action. */
export function findUser(deps: Deps, publicId: string): Promise<UserRow | null> {
  return findUserByPublicId(deps.db, publicId);
}

function userNotFound(detail: string): AppError {
  return new AppError("not_found", { publicMessage: "User not found.", detail });
}

async function existingUser(deps: Deps, publicId: string): Promise<UserRow> {
  const user = await findUserByPublicId(deps.db, publicId);
  if (!user) throw userNotFound("unknown user");
  return user;
}

/**
 * Disables an account: login refuses it from now on, and every session it has, or a racing login
 * writes, is refused by every check (see `revokeAccountSessions` for how fast, per location). Its
 * business's API keys keep working: they belong to the business, and the disabled member can no
 * longer manage them. `enableUser` undoes it for later logins only.
 */
export async function disableUser(deps: Deps, actor: UserActor, publicId: string): Promise<UserWithMemberships> {
  if (publicId === actor.principal.userPublicId) {
    throw new AppError("invalid_request", { publicMessage: "You cannot disable your own account." });
  }
  const user = await existingUser(deps, publicId);
  const disabled = await setUserStatus(deps.db, user.id, "disabled", deps.now);
  if (!disabled) throw userNotFound("user vanished");
  await revokeAccountSessions(deps, user.publicId, { disabled: true });
  const sessionsEnded = await deleteAllSessions(deps, user.publicId);
  recordAudit(deps, actor, {
    action: "user.disable",
    target: user.publicId,
    details: { was: user.status, sessions_ended: sessionsEnded },
  });
  return { user: disabled, memberships: await listMembershipsOfUser(deps.db, user.id) };
}

/**
 * Re-enables a disabled account: it may log in again, and nothing it held before comes back. The
 * revocation is written first and moves `sessionsNotBefore` up to now with `disabled` off, so
 * every session from before the disable, and any a login racing the disable wrote, stays dead,
 * while later logins work. Written before the status, so a failure in between leaves the account
 * disabled (login still refused) rather than active with every new session refused.
 * Enabling an active account changes nothing: it would otherwise end that account's sessions.
 */
export async function enableUser(deps: Deps, actor: UserActor, publicId: string): Promise<UserWithMemberships> {
  const user = await existingUser(deps, publicId);
  if (user.status === "active") {
    return { user, memberships: await listMembershipsOfUser(deps.db, user.id) };
  }
  await revokeAccountSessions(deps, user.publicId, { disabled: false });
  const enabled = await setUserStatus(deps.db, user.id, "active", deps.now);
  if (!enabled) throw userNotFound("user vanished");
  recordAudit(deps, actor, { action: "user.enable", target: user.publicId, details: { was: user.status } });
  return { user: enabled, memberships: await listMembershipsOfUser(deps.db, user.id) };
}

/**
 * An admin sets a user's password (hashed under the current policy, so under the current pepper)
 * and every session of the user ends: whoever held one must log in again, with the new password.
 * Not for the admin's own account: this route asks for no current password, so a stolen admin
 * token could otherwise lock the admin out for good; `POST /v1/me/password` is the way. Another
 * admin's password may be reset: an admin can already create and disable admins, and the audit
 * row names who did it. A disabled account stays disabled.
 */
export async function resetUserPassword(
  deps: Deps,
  actor: UserActor,
  publicId: string,
  password: string,
): Promise<UserWithMemberships> {
  if (publicId === actor.principal.userPublicId) {
    throw new AppError("invalid_request", {
      publicMessage: "You cannot reset your own password here: change it with POST /v1/me/password.",
    });
  }
  const user = await existingUser(deps, publicId);
  const hash = await hashPassword(password, passwordPolicy(deps));
  const updated = await updatePasswordHash(deps.db, user.id, hash, deps.now);
  if (!updated) throw userNotFound("user vanished");
  const afterWrite = depsAfterWrite(deps);
  await revokeAccountSessions(afterWrite, user.publicId, { disabled: user.status === "disabled" });
  const sessionsEnded = await deleteAllSessions(afterWrite, user.publicId);
  recordAudit(deps, actor, {
    action: "user.password_reset",
    target: user.publicId,
    details: { user_type: user.userType, sessions_ended: sessionsEnded },
  });
  return { user: updated, memberships: await listMembershipsOfUser(deps.db, user.id) };
}
