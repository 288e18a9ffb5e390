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

/**
 * Per-account password limits, shared by everything that checks an account's password (login,
 * changing one's own password), so that each check spends the same budgets. The tight limit (one
 * account from one IP) counts every attempt, before the password is checked, so a source over it
 * learns nothing and stops quickly. The account-wide limit counts only failures, so successful
 * logins never use it up, and it is skipped entirely for a client presenting a valid device token
 * of that account (a client that signed in before): that client's failures count against its own
 * device limit instead. Many attackers can therefore stop new devices from signing in to an
 * account for a minute at a time, but never the owner's known devices. Any email is limited
 * alike, so a 429 says nothing about existence.
 */
export interface FailureBudget {
  name: RateLimitName;
  key: string;
}

/** The rate-limit identity of an account: its normalized email, hashed. */
export function accountLimitKey(emailNormalized: string): Promise<string> {
  return hashedRateLimitKey("login", emailNormalized);
}

/** Counts one attempt at `account` from this client; throws `rate_limited` once over. */
export function limitAttemptOnAccount(deps: Deps, account: string, ip: string | undefined): Promise<void> {
  return enforceRateLimit(deps, "login_account_ip", `${account}:${clientIpKey(ip)}`);
}

/** Which failure budget an attempt spends: its device's, for a known device of that account, else the account's. */
export async function failureBudgetOf(
  deps: Deps,
  account: string,
  accountPublicId: string | null,
  deviceToken: string | undefined,
): Promise<FailureBudget> {
  const device = accountPublicId ? await deviceOf(deps, deviceToken, accountPublicId) : null;
  return device ? { name: "login_device", key: `${account}:${device}` } : { name: "login_account", key: account };
}

/** Refuses up front a budget this isolate saw exhausted (rate-limits.ts: failure-only limiting). */
export function refuseIfExhausted(deps: Deps, budget: FailureBudget): void {
  if (isPenalized(budget.name, budget.key, deps.now)) throw rateLimited(budget.name);
}

/** Spends one failure; past the budget the refusal becomes a 429. */
export async function spendFailure(deps: Deps, budget: FailureBudget): Promise<void> {
  if (!(await countFailure(deps, budget.name, budget.key))) throw rateLimited(budget.name);
}
