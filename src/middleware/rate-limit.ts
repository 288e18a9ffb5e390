import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { enforceRateLimit, type RateLimitName, UNKNOWN_CLIENT_IP } from "../services/rate-limits";

/**
 * The client's IP as Cloudflare saw it. Cloudflare sets `CF-Connecting-IP` on every request from
 * the internet and overwrites any value the client sent, so it cannot be spoofed from outside;
 * `X-Forwarded-For` can, and is never read.
 */
export function clientIpOf<E extends AppEnv>(c: Context<E>): string {
  return c.req.header("cf-connecting-ip")?.slice(0, 64) || UNKNOWN_CLIENT_IP;
}

export interface RateLimitOptions {
  /** What the limit counts per; the client IP by default. Return a hash, never a secret. */
  key?: (c: Context<AppEnv>) => string | Promise<string>;
}

/**
 * Counts every request against the limiter `name` and refuses one over the limit with
 * `rate_limited` (429, `Retry-After`) in the route's dialect, before the body is even read. Put it
 * after the route's `dialect` middleware. Names: see src/services/rate-limits.ts.
 */
export function rateLimit(name: RateLimitName, options: RateLimitOptions = {}) {
  const keyOf = options.key ?? clientIpOf;
  return createMiddleware<AppEnv>(async (c, next) => {
    await enforceRateLimit(c.var.deps, name, await keyOf(c));
    await next();
  });
}
