import { sha256Base64url } from "../crypto/digest";
import { LOCAL_SERVICE_DEADLINE_MS, withDeadline } from "../deadline";
import { AppError, dependencyUnavailable } from "../errors";
import { CACHE_BUDGET_BYTES, ENTRY_OVERHEAD_BYTES, NUMBER_BYTES, stringBytes } from "../isolate-memory";
import { LruCache } from "../lru-cache";
import { RATE_LIMIT_BINDINGS } from "../rate-limit-bindings";
import { ipBucketOf } from "./ip-buckets";

export type RateLimitName = keyof typeof RATE_LIMIT_BINDINGS;
export type RateLimitBinding = (typeof RATE_LIMIT_BINDINGS)[RateLimitName];
export type RateLimiters = Record<RateLimitName, RateLimit>;

/**
 * The binding does not say when its window ends. 60 s is the longest window it supports, so a
 * client that waits that long is always let through again: a limit slows an account down for a
 * minute at a time and never locks it out for good.
 */
export const RATE_LIMIT_RETRY_AFTER_SECONDS = 60;

/** Requests that carry no `CF-Connecting-IP` (never the case behind Cloudflare) share one bucket. */
export const UNKNOWN_CLIENT_IP = "unknown";

/** The per-IP rate-limit key of a request's client address (`CF-Connecting-IP`), if it sent one. */
export function clientIpKey(ip: string | undefined): string {
  return ip ? ipBucketOf(ip) : UNKNOWN_CLIENT_IP;
}

const limitersByEnv = new WeakMap<object, RateLimiters>();

/**
 * Collects the limiter bindings, once per isolate and env; a missing one fails loudly at the first
 * request, like bad config.
 */
export function rateLimitersOf(env: Partial<Record<RateLimitBinding, RateLimit>>): RateLimiters {
  const cached = limitersByEnv.get(env);
  if (cached) return cached;
  const limiters = {} as RateLimiters;
  for (const [name, binding] of Object.entries(RATE_LIMIT_BINDINGS) as [RateLimitName, RateLimitBinding][]) {
    const limiter = env[binding];
    if (!limiter) throw new Error(`Invalid Gatehouse configuration: rate limiter binding ${binding} is missing`);
    limiters[name] = limiter;
  }
  limitersByEnv.set(env, limiters);
  return limiters;
}

/**
 * What a limiter does when its binding fails (docs/resilience.md). Closed (503) where the limit
 * is what stops guessing or mass creation: password login (each attempt is a guess at a password,
 * and a PBKDF2's worth of CPU), registration and token exchange (each can create an account).
 * Open where the credential itself cannot be guessed: a refresh needs a signed refresh token, and
 * an API key carries 192 random bits, so an outage of the limiter must not end those sessions or
 * stop those integrations.
 */
export const RATE_LIMIT_FAILURE_MODE: Record<RateLimitName, "closed" | "open"> = {
  login_ip: "closed",
  login_account_ip: "closed",
  login_account: "closed",
  login_device: "closed",
  register_ip: "closed",
  token_exchange_ip: "closed",
  refresh_ip: "open",
  refresh_session: "open",
  api_key_failure_ip: "open",
};

/** Whether `key` is still within `name`'s limit (counting this attempt), per the failure mode. */
async function withinLimit(deps: { rateLimiters: RateLimiters }, name: RateLimitName, key: string): Promise<boolean> {
  try {
    // A limiter that does not answer is a failing one: the request waits no longer than this.
    return (await withDeadline(deps.rateLimiters[name].limit({ key }), LOCAL_SERVICE_DEADLINE_MS)).success;
  } catch (err) {
    const detail = `rate limiter ${name} failed: ${err instanceof Error ? err.message.slice(0, 200) : "unknown"}`;
    if (RATE_LIMIT_FAILURE_MODE[name] === "closed") throw dependencyUnavailable("rate_limiter", detail);
    console.warn(JSON.stringify({ level: "warn", event: "rate_limiter_failed_open", limiter: name, detail }));
    return true;
  }
}

export function rateLimited(name: RateLimitName): AppError {
  return new AppError("rate_limited", {
    detail: `rate limit ${name} exceeded`,
    retryAfterSeconds: RATE_LIMIT_RETRY_AFTER_SECONDS,
  });
}

/** Counts one attempt against `name` for `key`; throws `rate_limited` (429) once the key is over. */
export async function enforceRateLimit(
  deps: { rateLimiters: RateLimiters },
  name: RateLimitName,
  key: string,
): Promise<void> {
  if (!(await withinLimit(deps, name, key))) throw rateLimited(name);
}

/** A rate-limit key for an identifier that must not leave Gatehouse as is (an email, a session). */
export function hashedRateLimitKey(purpose: string, identifier: string): Promise<string> {
  return sha256Base64url(`${purpose}\u0000${identifier}`);
}

/**
 * Failure-only limiting (refused API keys): the binding cannot be asked "is this key over?"
 * without counting, so a key found over its limit is remembered in this isolate until its window
 * surely ended, and refused up front from then on. Other isolates learn it at their next failure.
 */
const penalized = new LruCache<string, number>({
  maxBytes: CACHE_BUDGET_BYTES.penalties,
  sizeOf: (key) => ENTRY_OVERHEAD_BYTES + stringBytes(key) + NUMBER_BYTES,
});

function penaltyKey(name: RateLimitName, key: string) {
  return `${name}:${key}`;
}

/** Whether `key` recently went over `name` here; if so the caller refuses before doing any work. */
export function isPenalized(name: RateLimitName, key: string, now: Date): boolean {
  const until = penalized.get(penaltyKey(name, key));
  if (until === undefined) return false;
  if (until > now.getTime()) return true;
  penalized.delete(penaltyKey(name, key));
  return false;
}

/** Counts one failure; returns false (and remembers the key) once `key` is over `name`'s limit. */
export async function countFailure(
  deps: { rateLimiters: RateLimiters; now: Date },
  name: RateLimitName,
  key: string,
): Promise<boolean> {
  if (await withinLimit(deps, name, key)) return true;
  penalized.set(penaltyKey(name, key), deps.now.getTime() + RATE_LIMIT_RETRY_AFTER_SECONDS * 1000);
  return false;
}
