import { env } from "cloudflare:workers";
import { loadSigningKeys } from "../../src/crypto/signing-keys";
import { readConfig } from "../../src/env";
import type { Deps } from "../../src/services/deps";
import { openDatabase } from "../../src/storage/db";

/** The same dependencies `init` builds for a request, at a chosen moment. */
export async function depsAt(now: Date): Promise<Deps> {
  return {
    db: openDatabase(env.DB),
    kv: env.KV,
    config: readConfig(env),
    keys: await loadSigningKeys(env.SIGNING_KEYS),
    now,
    defer: () => {},
  };
}
