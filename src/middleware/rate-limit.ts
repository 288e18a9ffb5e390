import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { AppError } from "../errors";
import type { AppEnv } from "../http/context";
import { API_KEY_HEADER } from "../http/credential-headers";
import {
  clientIpKey,
  countFailure,
  enforceRateLimit,
  isPenalized,
  type RateLimitName,
  rateLimited,
} from "../services/rate-limits";

/**
 * The client's IP as Cloudflare saw it. Cloudflare sets `CF-Connecting-IP` on every request from
 * the internet and overwrites any value the client sent, so it cannot be spoofed from outside;
 * `X-Forwarded-For` can, and is never read. As a rate-limit key an IPv6 address stands for its /64.
 */
export function clientIpOf<E extends AppEnv>(c: Context<E>): string {
  return clientIpKey(c.req.header("cf-connecting-ip")?.slice(0, 64));
}

export interface RateLimitOptions {
  /** What the limit counts per; the client IP by default. Return a hash, never a secret. */
  key?: (c: Context<AppEnv>) => string | Promise<string>;
  /** Which requests the limit concerns at all; every request by default. */
  appliesTo?: (c: Context<AppEnv>) => boolean;
  /**
   * Failure-only mode: a request is counted after the route ran, and only if this says it failed
   * (`c.error` holds what the route threw). A key found over the limit is refused up front by this
   * isolate for the rest of the window (src/services/rate-limits.ts explains why).
   */
  countOnlyIf?: (c: Context<AppEnv>) => boolean;
}

/**
 * Rate limits the routes it is put on, by the limiter `name` (names and keys:
 * src/services/rate-limits.ts). Over the limit → `rate_limited`: 429 with `Retry-After`, in the
 * route's dialect (so put it after the route's `dialect` middleware) and before the body is read.
 */
export function rateLimit(name: RateLimitName, options: RateLimitOptions = {}) {
  const keyOf = options.key ?? clientIpOf;
  const { appliesTo, countOnlyIf } = options;
  return createMiddleware<AppEnv>(async (c, next) => {
    if (appliesTo && !appliesTo(c)) return next();
    const key = await keyOf(c);
    if (!countOnlyIf) {
      await enforceRateLimit(c.get("deps"), name, key);
      return next();
    }
    if (isPenalized(name, key, c.get("deps").now)) throw rateLimited(name);
    await next();
    if (countOnlyIf(c) && !(await countFailure(c.get("deps"), name, key))) throw rateLimited(name);
  });
}

/**
 * Refused API keys per client IP: only refusals count (a busy integration with a good key is never
 * slowed down), and an IP over the limit is refused before its next key is even parsed. Put it in
 * front of anything that reads `X-Ping-Api-Key`, the gateway included.
 */
export const limitRefusedApiKeys = rateLimit("api_key_failure_ip", {
  appliesTo: (c) => Boolean(c.req.header(API_KEY_HEADER)),
  countOnlyIf: (c) => c.error instanceof AppError && c.error.code === "invalid_api_key",
});
