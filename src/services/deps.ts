import type { SigningKeySet } from "../crypto/signing-keys";
import type { Config } from "../env";
import type { Database } from "../storage/db";
import type { RateLimiters } from "./rate-limits";

/** Everything a service may use, passed in explicitly: services never see Hono or `env`. */
export interface Deps {
  db: Database;
  kv: KVNamespace;
  config: Config;
  keys: SigningKeySet;
  /** Cloudflare rate-limiting bindings by name (src/services/rate-limits.ts). */
  rateLimiters: RateLimiters;
  now: Date;
  /** Runs work after the response is sent (`ctx.waitUntil`). */
  defer: (work: Promise<unknown>) => void;
}
