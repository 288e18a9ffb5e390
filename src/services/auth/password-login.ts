import { sha256Base64url } from "../../crypto/digest";
import { hashPassword, type PasswordPolicy, verifyPassword } from "../../crypto/passwords";
import type { ClientInfo, UserType } from "../../domain";
import { AppError } from "../../errors";
import { findUserWithBusinessesByEmail, type UserWithBusinesses, updatePasswordHash } from "../../storage/users";
import { recordAudit } from "../audit/audit-log";
import type { Deps } from "../deps";
import { enforceRateLimit, hashedRateLimitKey, UNKNOWN_CLIENT_IP } from "../rate-limits";

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function passwordPolicy(deps: Pick<Deps, "config">): PasswordPolicy {
  return { iterations: deps.config.pbkdf2Iterations, pepper: deps.config.passwordPepper };
}

export type LoginFlow = "token" | "cookie" | "dashboard";

export interface PasswordLogin {
  email: string;
  password: string;
  /** When set, the account must be of this type (Ping's `User-Type`). */
  userType?: UserType;
  /** Where the attempt comes from: keys the per-account limits and the audit row. */
  client: ClientInfo;
  flow: LoginFlow;
}

/**
 * Per-account login limits, counted before the password is checked so that a guess over the limit
 * learns nothing. The tight limit (one account from one IP) stops a single source quickly; the
 * looser one (one account from anywhere) caps a distributed attack. A source already stopped by
 * the tight limit no longer counts against the account-wide one, so one attacker cannot use it to
 * lock the real user out; many attackers can slow the account down, a minute at a time, for as
 * long as the attack lasts. Any email is limited alike, so a 429 says nothing about existence.
 */
async function limitLoginAttempts(deps: Deps, emailNormalized: string, clientIp: string): Promise<void> {
  const account = await hashedRateLimitKey("login", emailNormalized);
  await enforceRateLimit(deps, "login_account_ip", `${account}:${clientIp}`);
  await enforceRateLimit(deps, "login_account", account);
}

/** A failed login, audited without the password; the email only as its SHA-256. */
async function auditLoginFailure(
  deps: Deps,
  login: PasswordLogin,
  emailNormalized: string,
  failure: { accountPublicId: string | null; reason: string },
): Promise<void> {
  recordAudit(
    deps,
    { principal: null, ...login.client },
    {
      action: "auth.login_failed",
      target: failure.accountPublicId,
      details: {
        flow: login.flow,
        email_sha256: await sha256Base64url(emailNormalized),
        reason: failure.reason,
        ...(login.userType ? { user_type: login.userType } : {}),
      },
    },
  );
}

function refusalOf(found: UserWithBusinesses | null, passwordValid: boolean, userType: UserType | undefined) {
  if (!found) return "unknown email";
  if (!passwordValid) return "wrong password";
  if (found.user.status !== "active") return "account disabled";
  if (userType && found.user.userType !== userType) return "wrong user type";
  return null;
}

/**
 * Checks an email and password. Unknown email, wrong password, wrong user type and a disabled
 * account are one and the same `invalid_credentials`, and each costs one full password hash, so
 * neither the answer nor its timing tells whether the account exists. Every refusal is audited.
 */
export async function authenticatePassword(deps: Deps, login: PasswordLogin): Promise<UserWithBusinesses> {
  const emailNormalized = normalizeEmail(login.email);
  await limitLoginAttempts(deps, emailNormalized, login.client.ip ?? UNKNOWN_CLIENT_IP);
  const found = await findUserWithBusinessesByEmail(deps.db, emailNormalized);
  const policy = passwordPolicy(deps);
  const check = await verifyPassword(login.password, found?.user.passwordHash ?? null, policy);
  const refusal = refusalOf(found, check.valid, login.userType);
  if (refusal || !found) {
    const reason = refusal ?? "unknown email";
    await auditLoginFailure(deps, login, emailNormalized, { accountPublicId: found?.user.publicId ?? null, reason });
    throw new AppError("invalid_credentials", { detail: reason });
  }
  if (check.needsRehash) {
    const { id } = found.user;
    deps.defer(hashPassword(login.password, policy).then((hash) => updatePasswordHash(deps.db, id, hash, deps.now)));
  }
  return found;
}
