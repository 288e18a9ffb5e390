import { env } from "cloudflare:workers";
import type { Pepper } from "../../src/crypto/peppers";
import { loadSigningKeys } from "../../src/crypto/signing-keys";
import { type Config, missingProductionPepper, readConfig } from "../../src/env";
import type { Deps } from "../../src/services/deps";
import { rateLimitersOf } from "../../src/services/rate-limits";
import { openDatabase } from "../../src/storage/db";

export interface TestDeps {
  /** The same dependencies at another instant (time passing, without sleeping). */
  at(time: Date | number): Deps;
  /**
   * Waits for everything deferred so far, and what that defers in turn (what `waitUntil` would
   * run after the response), and returns what those that failed were rejected with: none, when
   * all went well.
   */
  settle(): Promise<unknown[]>;
  /** How many pieces of work were deferred so far. */
  deferredCount(): number;
}

const PRODUCTION_PEPPER: Pepper = { id: "prod1", secret: new Uint8Array(32).fill(7) };

/** Overrides that make the configuration a production one, as readConfig would accept it (with a pepper). */
export const PRODUCTION_CONFIG = {
  issuer: "https://gatehouse.example.com",
  passwordPeppers: [PRODUCTION_PEPPER],
} satisfies Partial<Config>;

/**
 * The real dependencies (D1, KV, config, keys) with a clock and `defer` the test controls. The
 * overrides bypass readConfig, so its production-pepper rule is checked here too: a test
 * cannot run on a production configuration the Worker would refuse to start with.
 */
export async function testDeps(configOverrides: Partial<Config> = {}): Promise<TestDeps> {
  const config = { ...readConfig(env), ...configOverrides };
  const noPepper = missingProductionPepper(config);
  if (noPepper) throw new Error(`testDeps: a configuration the Worker refuses: ${noPepper}`);
  const deferred: Promise<unknown>[] = [];
  let count = 0;
  const base: Omit<Deps, "now"> = {
    db: openDatabase(env.DB),
    kv: env.KV,
    config,
    keys: await loadSigningKeys(env.SIGNING_KEYS),
    rateLimiters: rateLimitersOf(env),
    defer: (work) => {
      count += 1;
      // Like `init`'s defer: a failure after the response is never unhandled; `settle` reports it.
      work.catch(() => undefined);
      deferred.push(work);
    },
  };
  return {
    at: (time) => ({ ...base, now: new Date(time) }),
    // Work deferred by deferred work is waited for too, as `waitUntil` does.
    settle: async () => {
      const failures: unknown[] = [];
      while (deferred.length > 0) {
        const outcomes = await Promise.allSettled(deferred.splice(0));
        for (const outcome of outcomes) if (outcome.status === "rejected") failures.push(outcome.reason);
      }
      return failures;
    },
    deferredCount: () => count,
  };
}

/** A stand-in for D1 or KV that fails the test if anything touches it. */
export function untouchable<T extends object>(name: string): T {
  return new Proxy({} as T, {
    get(_target, property) {
      throw new Error(`${name}.${String(property)} was touched`);
    },
  });
}
