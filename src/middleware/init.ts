import { createMiddleware } from "hono/factory";
import { loadSigningKeys } from "../crypto/signing-keys";
import { readConfig } from "../env";
import type { AppEnv } from "../http/context";
import { rateLimitersOf } from "../services/rate-limits";
import { RequestDatabase } from "../storage/d1-sessions";
import { resilientKv } from "../storage/resilient-kv";

/**
 * First middleware of every request: a request id, the error dialect default, and every
 * dependency the services need on `c.get("deps")`, built from per-isolate caches.
 */
export const init = createMiddleware<AppEnv>(async (c, next) => {
  // A UUID: one native call, and the form log pipelines and origins expect of a request id.
  const requestId = crypto.randomUUID();
  c.set("requestId", requestId);
  c.set("dialect", "gateway");
  const config = readConfig(c.env);
  const d1 = new RequestDatabase(c.env.DB);
  c.set("d1", d1);
  c.set("deps", {
    // A getter: a request that queries nothing (a warm forward) builds no database and starts no session.
    get db() {
      return d1.db;
    },
    kv: resilientKv(c.env.KV),
    config,
    keys: await loadSigningKeys(c.env.SIGNING_KEYS),
    rateLimiters: rateLimitersOf(c.env),
    now: new Date(),
    defer: (work) =>
      c.executionCtx.waitUntil(
        work.catch((err) => console.error(JSON.stringify({ level: "error", requestId, deferred: String(err) }))),
      ),
  });
  await next();
  // A forwarded response already carries it; setting it again would copy the whole response.
  if (!c.get("forwarded")) c.header("X-Request-Id", requestId);
});
