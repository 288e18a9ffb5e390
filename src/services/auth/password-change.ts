import { hashPassword, verifyPassword } from "../../crypto/passwords";
import type { ClientInfo, UserPrincipal } from "../../domain";
import { AppError } from "../../errors";
import { primaryOf } from "../../storage/d1-sessions";
import type { UserRow } from "../../storage/schema";
import { findUserByPublicId, updatePasswordHash } from "../../storage/users";
import { recordAudit } from "../audit/audit-log";
import type { Deps } from "../deps";
import { revokeOtherSessions } from "../sessions/session-list";
import { depsAfterWrite } from "../sessions/session-records";
import {
  accountLimitKey,
  failureBudgetOf,
  limitAttemptOnAccount,
  refuseIfExhausted,
  spendFailure,
} from "./login-limits";
import { passwordPolicy } from "./password-login";

export interface PasswordChange {
  currentPassword: string;
  newPassword: string;
  client: ClientInfo;
  /** The client's device token, if it sent one: its failures then spend that device's budget. */
  deviceToken?: string;
}

/** What a session outliving its account (disabled a moment ago, or deleted) is refused with. */
function sessionEnded(principal: UserPrincipal, detail: string): AppError {
  return principal.method === "jwt"
    ? new AppError("session_revoked", { detail, challenge: "bearer" })
    : new AppError("invalid_session", { detail, challenge: "session" });
}

/**
 * The current password, checked as a login checks it: the same per-account limits and the same
 * failure budget, so guessing through a stolen session is no cheaper than guessing at the login,
 * and each failure is audited (never with a password).
 */
async function checkCurrentPassword(deps: Deps, principal: UserPrincipal, user: UserRow, change: PasswordChange) {
  const account = await accountLimitKey(user.emailNormalized);
  await limitAttemptOnAccount(deps, account, change.client.ip);
  const budget = await failureBudgetOf(deps, account, user.publicId, change.deviceToken);
  refuseIfExhausted(deps, budget);
  const check = await verifyPassword(change.currentPassword, user.passwordHash, passwordPolicy(deps));
  if (check.valid) return;
  recordAudit(
    deps,
    { principal, ...change.client },
    {
      action: "auth.password_change_failed",
      target: user.publicId,
      details: { session_id: principal.sessionId, reason: "wrong password" },
    },
  );
  await spendFailure(deps, budget);
  throw new AppError("invalid_current_password", { detail: "wrong current password" });
}

/**
 * Changes the caller's own password. The account is read from the primary (the hash to check must
 * be the latest). On success the new password is hashed under the current policy (the current
 * pepper), and every other session of the account ends, the caller's own kept: the revocation is
 * taken after the hash is written, so a login that read the old hash in the meantime ends too.
 */
export async function changeOwnPassword(
  deps: Deps,
  principal: UserPrincipal,
  change: PasswordChange,
): Promise<{ sessionsEnded: number }> {
  const user = await findUserByPublicId(primaryOf(deps.db), principal.userPublicId);
  if (user?.status !== "active") throw sessionEnded(principal, "account gone or disabled");
  await checkCurrentPassword(deps, principal, user, change);
  const hash = await hashPassword(change.newPassword, passwordPolicy(deps));
  if (!(await updatePasswordHash(deps.db, user.id, hash, deps.now))) {
    throw sessionEnded(principal, "account vanished");
  }
  const sessionsEnded = await revokeOtherSessions(depsAfterWrite(deps), principal);
  recordAudit(
    deps,
    { principal, ...change.client },
    {
      action: "auth.password_change",
      target: user.publicId,
      details: { session_id: principal.sessionId, sessions_ended: sessionsEnded },
    },
  );
  return { sessionsEnded };
}
