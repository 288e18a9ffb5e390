import type { Principal, UserPrincipal } from "../../domain";
import { type AuditEventFilter, insertAuditEvent, listAuditEvents } from "../../storage/audit-events";
import type { PageRequest } from "../../storage/pagination";
import type { Deps } from "../deps";

export const AUDIT_ACTIONS = [
  "business.create",
  "business.update",
  "user.create",
  "user.disable",
  "user.enable",
  /** An admin set a user's password; every session of the user ended. */
  "user.password_reset",
  "api_key.create",
  "api_key.roll",
  "api_key.revoke",
  // Configuration of PERS token exchange: who a tenant trusts, and how. Public keys only by kid.
  "identity_provider.create",
  "identity_provider.update",
  "identity_provider.enable",
  "identity_provider.disable",
  "identity_provider.delete",
  "tenant_settings.update",
  /** A member's role did not allow a create, roll or revoke (`details.attempted` says which). */
  "api_key.refused",
  "member.role_change",
  "member.role_change_refused",
  /** A refused addition names an account given by email only by the email's hash. */
  "member.add",
  "member.add_refused",
  /** `details.left`: the member removed themselves. */
  "member.remove",
  "member.remove_refused",
  // Sign-in events (both the Ping token flow and PingPage cookies). Never a password; a failed
  // login names the email only by its hash (and the account, when one exists, as `target`).
  "auth.login",
  "auth.login_failed",
  "auth.logout",
  "auth.refresh",
  /** A user changed their own password; every other session of theirs ended. */
  "auth.password_change",
  /** A wrong current password: counted against the account like a failed login. */
  "auth.password_change_failed",
  /** A rotated refresh token presented again (PERS, RFC 9700 §4.14): its family is revoked. */
  "auth.refresh_reuse_detected",
  "auth.refresh_refused",
  "pers_session.revoke",
  /** An operator disabled or enabled a tenant user (PERS); `details.was` is the status before. */
  "tenant_user.disable",
  "tenant_user.enable",
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** Who is acting, and from where (as the edge saw the request). No principal: not signed in (a failed login). */
export interface Actor {
  principal: Principal | null;
  ip?: string;
  userAgent?: string;
}

/** An actor signed in as a person (the management and admin APIs). */
export interface UserActor extends Actor {
  principal: UserPrincipal;
}

export interface AuditEntry {
  action: AuditAction;
  /** Public id of the business concerned. */
  tenant?: string | null;
  /** Public id of the object acted upon. */
  target?: string | null;
  details?: Record<string, unknown>;
}

function actorIdentity(principal: Principal | null): { actorPublicId: string | null; actorType: string } {
  if (principal === null) return { actorPublicId: null, actorType: "anonymous" };
  switch (principal.method) {
    case "api_key":
      return { actorPublicId: principal.keyId, actorType: "api_key" };
    case "pers":
      return { actorPublicId: principal.tenantUserId, actorType: "pers" };
    case "jwt":
    case "session":
      return { actorPublicId: principal.userPublicId, actorType: principal.userType };
  }
}

/** Writes an audit row after the response: auditing never slows down or fails the action itself. */
export function recordAudit(deps: Deps, actor: Actor, entry: AuditEntry): void {
  deps.defer(
    insertAuditEvent(deps.db, {
      at: deps.now,
      ...actorIdentity(actor.principal),
      action: entry.action,
      tenant: entry.tenant ?? null,
      target: entry.target ?? null,
      ip: actor.ip ?? null,
      userAgent: actor.userAgent ?? null,
      details: entry.details ?? null,
    }),
  );
}

export function findAuditEvents(deps: Deps, filter: AuditEventFilter, page: PageRequest) {
  return listAuditEvents(deps.db, filter, page);
}
