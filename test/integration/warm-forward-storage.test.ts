import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createKey, signedInOwner } from "../support/api-keys";
import { withSession } from "../support/cookies";
import { browserSession } from "../support/gateway-credentials";
import { startedSession } from "../support/pers-session";
import { signedInUser } from "../support/tokens";
import { send } from "../support/worker";

/**
 * A warm forward touches neither D1 nor KV, not even in the work it defers with `waitUntil`:
 * the whole worker is called (its `fetch`, the real bindings behind counting proxies), and every
 * deferred piece of work is awaited before the calls are counted. The one write a warm API key is
 * allowed is its usage write-back (the `api_keys` counters and the dashboard's daily usage in KV),
 * bounded per flush interval rather than per request; those statements are left out by name, so the
 * assertion holds whichever way the flush is scheduled. The clock stands still (within every cache
 * lifetime), so a session-liveness or key-cache refresh cannot fall inside the window by chance.
 */

const WARM_FORWARDS = 20;

interface StorageCall {
  binding: "D1" | "KV";
  method: string;
  /** The SQL of a D1 statement, or the key of a KV call. */
  detail: string;
}

/** A binding whose every method call is recorded in `calls` before it reaches the real one. */
function counting<T extends object>(binding: StorageCall["binding"], real: T, calls: StorageCall[]): T {
  return new Proxy(real, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        const method = String(property);
        const first = args[0];
        const detail = typeof first === "string" ? first : Array.isArray(first) ? `${first.length} statements` : "";
        calls.push({ binding, method, detail });
        const result = (value as (...a: unknown[]) => unknown).apply(target, args);
        // A D1 session is another way in to the same database: count what goes through it too.
        if (binding === "D1" && method === "withSession" && result && typeof result === "object") {
          return counting(binding, result as object, calls);
        }
        return result;
      };
    },
  });
}

/** The API-key usage write-back: `api_keys` counters in D1, the per-day chart in KV. */
function isUsageWriteBack(call: StorageCall): boolean {
  if (call.binding === "KV") return call.detail.startsWith("api-key-usage-days:");
  return /\bapi_key_daily_usage\b/i.test(call.detail) || /^\s*update\s+"?api_keys"?\s/i.test(call.detail);
}

interface Credential {
  path: string;
  headers: Record<string, string>;
}

const calls: StorageCall[] = [];
const countingBindings = {
  DB: counting("D1", env.DB, calls),
  KV: counting("KV", env.KV, calls),
} as Partial<Cloudflare.Env>;

/** One warm-up forward, then `WARM_FORWARDS` more: the storage calls the later ones made. */
async function storageCallsOfWarmForwards({ path, headers }: Credential): Promise<StorageCall[]> {
  const warmUp = await send(path, { headers }, countingBindings);
  expect(warmUp.status, await warmUp.text()).toBe(200);
  calls.length = 0;
  for (let i = 0; i < WARM_FORWARDS; i++) {
    const res = await send(path, { headers }, countingBindings);
    expect(res.status).toBe(200);
    // The origin's echo proves the request was forwarded, not answered by the gateway.
    expect(((await res.json()) as { upstream?: string }).upstream).toBeDefined();
  }
  return calls.filter((call) => !isUsageWriteBack(call));
}

describe("warm forwards make no D1 or KV calls, deferred work included", () => {
  let credentials: Record<string, Credential>;

  beforeEach(async () => {
    const user = await signedInUser();
    const browser = await browserSession();
    const owner = await signedInOwner();
    const key = await createKey(owner, { kind: "secret", mode: "live", permissions: ["sms"], name: "warm" });
    const pers = await startedSession();
    credentials = {
      "a public route": { path: "/v1/public/ping", headers: {} },
      "a bearer token": { path: "/v1/get/profile", headers: user.headers },
      "a session cookie": { path: "/app/home", headers: withSession(browser.cookie) },
      "an API key": { path: "/v1/notification/api/sms/send", headers: { "X-Ping-Api-Key": key.key } },
      "a PERS token": { path: "/v1/loyalty/points", headers: { Authorization: `Bearer ${pers.pair.accessToken}` } },
    };
    // Every credential above was issued before this instant; from here the clock stands still.
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 1000);
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  for (const kind of ["a public route", "a bearer token", "a session cookie", "an API key", "a PERS token"]) {
    it(`with ${kind}`, async () => {
      const credential = credentials[kind];
      if (!credential) throw new Error(`no credential for ${kind}`);
      expect(await storageCallsOfWarmForwards(credential)).toEqual([]);
    });
  }

  it("the counting proxies do see storage calls (a login reads D1 and writes KV)", async () => {
    const user = await signedInUser();
    calls.length = 0;
    const res = await send(
      "/v1/auth/login",
      {
        method: "POST",
        headers: { "Content-Type": "application/json", "User-Type": "user" },
        body: JSON.stringify({ email: user.email, password: user.password }),
      },
      countingBindings,
    );
    expect(res.status).toBe(200);
    expect(calls.some((call) => call.binding === "D1" && /select/i.test(call.detail))).toBe(true);
    expect(calls.some((call) => call.binding === "KV" && call.method === "put")).toBe(true);
  });
});
