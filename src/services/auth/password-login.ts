import { sha256Base64url } from "../../crypto/digest";
import { hashPassword, type PasswordPolicy, verifyPassword } from "../../crypto/passwords";
import type { ClientInfo, UserType } from "../../domain";
import { AppError } from "../../errors";
import { findUserWithBusinessesByEmail, type UserWithBusinesses, updatePasswordHash } from "../../storage/users";
import { recordAudit } from "../audit/audit-log";
import type { Deps } from "../deps";
import {
  clientIpKey,
  countFailure,
  enforceRateLimit,
  hashedRateLimitKey,
  isPenalized,
  type RateLimitName,
  rateLimited,
} from "../rate-limits";
import { deviceOf } from "./device-tokens";

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

/**
 * Per-account login limits. The tight limit (one account from one IP) counts every attempt, before
 * the password is checked, so a source over it learns nothing and stops quickly. The account-wide
 * limit counts only failures, so successful logins never use it up, and it is skipped entirely for
 * a client presenting a valid device token of that account (a client that signed in before): that
 * client's failures count against its own device limit instead. Many attackers can therefore stop
 * new devices from signing in to an account for a minute at a time, but never the owner's known
 * devices. Any email is limited alike, so a 429 says nothing about existence.
 */
interface FailureBudget {
  name: RateLimitName;
  key: string;
}

async function failureBudgetOf(
  deps: Deps,
  account: string,
  found: UserWithBusinesses | null,
  deviceToken: string | undefined,
): Promise<FailureBudget> {
  const device = found ? await deviceOf(deps, deviceToken, found.user.publicId) : null;
  return device ? { name: "login_device", key: `${account}:${device}` } : { name: "login_account", key: account };
}

/** Refuses up front a budget this isolate saw exhausted (rate-limits.ts: failure-only limiting). */
function refuseIfExhausted(deps: Deps, budget: FailureBudget): void {
  if (isPenalized(budget.name, budget.key, deps.now)) throw rateLimited(budget.name);
}

/** Spends one failure; past the budget the refusal becomes a 429. */
async function spendFailure(deps: Deps, budget: FailureBudget): Promise<void> {
  if (!(await countFailure(deps, budget.name, budget.key))) throw rateLimited(budget.name);
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
  const account = await hashedRateLimitKey("login", emailNormalized);
  await enforceRateLimit(deps, "login_account_ip", `${account}:${clientIpKey(login.client.ip)}`);
  const found = await findUserWithBusinessesByEmail(deps.db, emailNormalized);
  const budget = await failureBudgetOf(deps, account, found, login.deviceToken);
  refuseIfExhausted(deps, budget);
  const policy = passwordPolicy(deps);
  const check = await verifyPassword(login.password, found?.user.passwordHash ?? null, policy);
  const refusal = refusalOf(found, check.valid, login.userType);
  if (refusal || !found) {
    const reason = refusal ?? "unknown email";
    await auditLoginFailure(deps, login, emailNormalized, { accountPublicId: found?.user.publicId ?? null, reason });
    await spendFailure(deps, budget);
    throw new AppError("invalid_credentials", { detail: reason });
  }
  if (check.needsRehash) {
    const { id } = found.user;
    deps.defer(hashPassword(login.password, policy).then((hash) => updatePasswordHash(deps.db, id, hash, deps.now)));
  }
  return found;
}
