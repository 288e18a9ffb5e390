import { sha256Base64url } from "../../crypto/digest";
import { hashPassword, type PasswordPolicy, verifyPassword } from "../../crypto/passwords";
import type { ClientInfo, UserType } from "../../domain";
import { AppError } from "../../errors";
import { nearestReplicaOf, primaryOf, readsPrimary } from "../../storage/d1-sessions";
import { findUserWithBusinessesByEmail, type UserWithBusinesses, upgradePasswordHash } from "../../storage/users";
import { recordAudit } from "../audit/audit-log";
import type { Deps } from "../deps";
import {
  accountLimitKey,
  failureBudgetOf,
  limitAttemptOnAccount,
  refuseIfExhausted,
  spendFailure,
} from "./login-limits";

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function passwordPolicy(deps: Pick<Deps, "config">): PasswordPolicy {
  return {
    iterations: deps.config.pbkdf2Iterations,
    pepper: deps.config.passwordPepper,
    peppers: deps.config.passwordPeppers,
  };
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
  /** The client's device token, if it sent one (http/device-token.ts). */
  deviceToken?: string;
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

/** The account an email names, and what checking the password against it found. */
interface AccountCheck {
  found: UserWithBusinesses | null;
  passwordValid: boolean;
  needsRehash: boolean;
  refusal: string | null;
}

async function checkAccount(
  login: PasswordLogin,
  found: UserWithBusinesses | null,
  policy: PasswordPolicy,
): Promise<AccountCheck> {
  const check = await verifyPassword(login.password, found?.user.passwordHash ?? null, policy);
  return {
    found,
    passwordValid: check.valid,
    needsRehash: check.needsRehash,
    refusal: refusalOf(found, check.valid, login.userType),
  };
}

/**
 * Refusals a lagging replica can cause: an account registered, a password set or an account
 * enabled a moment ago. A disabled account is only named once its password matched, so reading it
 * again tells a guesser nothing.
 */
function mayBeReplicaLag(refusal: string | null): boolean {
  return refusal === "unknown email" || refusal === "wrong password" || refusal === "account disabled";
}

/**
 * The same check against the primary's account. The password is hashed again only if that account
 * differs from the replica's (another account, another hash), so a refusal costs one hash whether
 * or not the email exists.
 */
async function recheckOnPrimary(
  deps: Deps,
  login: PasswordLogin,
  emailNormalized: string,
  policy: PasswordPolicy,
  nearest: AccountCheck,
): Promise<AccountCheck> {
  const found = await findUserWithBusinessesByEmail(primaryOf(deps.db), emailNormalized);
  const unchanged =
    found?.user.id === nearest.found?.user.id && found?.user.passwordHash === nearest.found?.user.passwordHash;
  if (!unchanged) return checkAccount(login, found, policy);
  return { ...nearest, found, refusal: refusalOf(found, nearest.passwordValid, login.userType) };
}

/**
 * Checks an email and password. Unknown email, wrong password, wrong user type and a disabled
 * account are one and the same `invalid_credentials`, and each costs one full password hash, so
 * neither the answer nor its timing tells whether the account exists. Every refusal is audited.
 *
 * The account is read from the nearest D1 replica; an unknown email, a wrong password or a
 * disabled account is read once more from the primary before it is refused, so registering (or
 * being given a new password, or enabled) and logging in at once works without a bookmark. An
 * account disabled a moment ago that a lagging replica still shows as active gets tokens that no
 * check accepts: disabling also writes the account's revocation, which every session check reads
 * (session-records.ts), exactly as for a login racing the disable.
 */
export async function authenticatePassword(deps: Deps, login: PasswordLogin): Promise<UserWithBusinesses> {
  const emailNormalized = normalizeEmail(login.email);
  const account = await accountLimitKey(emailNormalized);
  await limitAttemptOnAccount(deps, account, login.client.ip);
  const sawPrimary = readsPrimary(deps.db, "nearest");
  const nearest = await findUserWithBusinessesByEmail(nearestReplicaOf(deps.db), emailNormalized);
  const nearestBudget = await failureBudgetOf(deps, account, nearest?.user.publicId ?? null, login.deviceToken);
  refuseIfExhausted(deps, nearestBudget);
  const policy = passwordPolicy(deps);
  let outcome = await checkAccount(login, nearest, policy);
  if (!sawPrimary && mayBeReplicaLag(outcome.refusal)) {
    outcome = await recheckOnPrimary(deps, login, emailNormalized, policy, outcome);
  }
  const { found, refusal } = outcome;
  if (refusal || !found) {
    const reason = refusal ?? "unknown email";
    await auditLoginFailure(deps, login, emailNormalized, { accountPublicId: found?.user.publicId ?? null, reason });
    const budget =
      found?.user.id === nearest?.user.id
        ? nearestBudget
        : await failureBudgetOf(deps, account, found?.user.publicId ?? null, login.deviceToken);
    await spendFailure(deps, budget);
    throw new AppError("invalid_credentials", { detail: reason });
  }
  const { id, passwordHash: verifiedHash } = found.user;
  if (outcome.needsRehash && verifiedHash) {
    deps.defer(
      hashPassword(login.password, policy).then((hash) =>
        upgradePasswordHash(deps.db, id, verifiedHash, hash, deps.now),
      ),
    );
  }
  return found;
}
