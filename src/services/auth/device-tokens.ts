import { readDeviceToken, signDeviceToken } from "../../crypto/device-tokens";
import type { Deps } from "../deps";

/**
 * OWASP's "device cookies" against account lockout: a client that signed in successfully gets a
 * device token, and its later logins to that account are limited per device instead of per account,
 * so strangers guessing the password cannot lock the owner out. 90 days, renewed at every login.
 */
export const DEVICE_TOKEN_TTL_SECONDS = 90 * 24 * 60 * 60;

/** Tolerated clock skew between isolates for a token issued "in the future". */
const MAX_CLOCK_SKEW_MS = 60_000;

/** A fresh device token for the account that just signed in. */
export function issueDeviceToken(deps: Pick<Deps, "keys" | "now">, accountPublicId: string): Promise<string> {
  return signDeviceToken(deps.keys.deviceTokenKey, { accountPublicId, issuedAt: deps.now });
}

/**
 * The device's rate-limit identity (its nonce) when `token` is a genuine, unexpired device token
 * of `accountPublicId`; null for anything else (absent, forged, expired, another account's).
 */
export async function deviceOf(
  deps: Pick<Deps, "keys" | "now">,
  token: string | undefined,
  accountPublicId: string,
): Promise<string | null> {
  if (!token) return null;
  const claims = await readDeviceToken(deps.keys.deviceTokenKey, token);
  if (!claims || claims.accountPublicId !== accountPublicId) return null;
  const age = deps.now.getTime() - claims.issuedAt.getTime();
  if (age < -MAX_CLOCK_SKEW_MS || age > DEVICE_TOKEN_TTL_SECONDS * 1000) return null;
  return claims.nonce;
}
