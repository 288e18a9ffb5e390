import { expect } from "vitest";

/**
 * Sends attempts one after another until the first 429, and returns it with how many got through.
 * The binding counts in fixed windows, so a burst that happens to straddle a window boundary may
 * get up to twice the limit through; never fewer than the limit, and never more than twice it.
 */
export async function hammerUntilLimited(
  limit: number,
  attempt: (index: number) => Promise<Response>,
): Promise<{ limited: Response; allowed: number }> {
  for (let index = 0; index <= 2 * limit; index++) {
    const res = await attempt(index);
    if (res.status === 429) {
      expect(index, "requests let through before the first 429").toBeGreaterThanOrEqual(limit);
      return { limited: res, allowed: index };
    }
    await res.arrayBuffer();
  }
  throw new Error(`no 429 after ${2 * limit + 1} attempts (limit ${limit})`);
}

/** The limits in wrangler.toml, which the tests run with. */
export const LIMITS = {
  loginIp: 20,
  loginAccountIp: 5,
  loginAccount: 30,
  loginDevice: 10,
  registerIp: 10,
  refreshIp: 60,
  refreshSession: 10,
  tokenExchangeIp: 30,
  apiKeyFailureIp: 20,
} as const;
