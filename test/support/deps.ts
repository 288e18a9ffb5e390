import { env } from "cloudflare:workers";
import { loadSigningKeys } from "../../src/crypto/signing-keys";
import { readConfig } from "../../src/env";
import type { Deps } from "../../src/services/deps";
import { openDatabase } from "../../src/storage/db";

/** The services' dependencies over the real test bindings, at a chosen moment. */
export async function testDeps(now = new Date(), pending: Promise<unknown>[] = []): Promise<Deps> {
  return {
    db: openDatabase(env.DB),
    kv: env.KV,
    config: readConfig(env),
    keys: await loadSigningKeys(env.SIGNING_KEYS),
    now,
    defer: (work) => {
      pending.push(work.catch(() => undefined));
    },
  };
}
