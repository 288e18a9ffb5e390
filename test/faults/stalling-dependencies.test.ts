import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { LOCAL_SERVICE_DEADLINE_MS } from "../../src/deadline";
import { JWKS_FETCH_TIMEOUT_MS } from "../../src/services/token-exchange/jwks-fetch";
import { DEFAULT_CALL_POLICY } from "../../src/storage/resilient-call";
import { createUser } from "../support/accounts";
import { createKey, presentKey, signedInOwner } from "../support/api-keys";
import { FakeIdentityProvider } from "../support/identity-provider";
import { exchange, tenantFootprint } from "../support/pers";
import { createTenant } from "../support/tenants";
import { signedInUser } from "../support/tokens";
import { send, sendJson } from "../support/worker";
import { pingLogin } from "./clients";
import { dependencyLogsOf, expectUnavailable } from "./expect-unavailable";
import { faultyD1, faultyKv, stallingLimiter } from "./faulty-bindings";

/**
 * A dependency that never answers costs a request its deadline, never the whole of Workers'
 * patience: each case below stalls one binding, moves the clock past that binding's deadline once
 * the stalled call is under way, and checks what the surface answers. Calls that do answer (D1,
 * KV, the rate limiters left alone) run over real I/O, so the clock moves only after
 * `vi.waitFor` has seen the stalled call start.
 */

const neverSettles = <T>() => new Promise<T>(() => undefined);
/** Real I/O before the stalled call can take a while on a loaded machine. */
const UNTIL_CALLED = { timeout: 10_000 };

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

function fakeTimers(): void {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
}

/** Waits until `count()` reaches `calls`, then moves the clock past one deadline of `deadlineMs`. */
async function passDeadlineOnceCalled(count: () => number, calls: number, deadlineMs: number): Promise<void> {
  await vi.waitFor(() => expect(count()).toBe(calls), UNTIL_CALLED);
  await vi.advanceTimersByTimeAsync(deadlineMs);
}

describe("a rate limiter that never answers", () => {
  it("where it fails closed (login): 503 at its deadline naming the limiter, and no password checked", async () => {
    const user = await createUser();
    const limiter = stallingLimiter();
    const d1 = faultyD1(env.DB, { fail: "writes" });
    fakeTimers();
    const logs = await dependencyLogsOf(async () => {
      const pending = pingLogin(user, { LOGIN_IP_LIMITER: limiter, DB: d1.binding });
      await passDeadlineOnceCalled(() => limiter.calls, 1, LOCAL_SERVICE_DEADLINE_MS);
      await expectUnavailable(await pending, "ping");
    });
    expect(logs).toEqual([expect.objectContaining({ dependency: "rate_limiter" })]);
    expect(JSON.stringify(logs)).toContain(`no answer within ${LOCAL_SERVICE_DEADLINE_MS} ms`);
    expect(d1.calls).toEqual([]);
    expect(limiter.calls).toBe(1);
  });

  it("where it fails open (refresh): 200 once both limiters' deadlines pass, each logged", async () => {
    const user = await signedInUser();
    const ipLimiter = stallingLimiter();
    const sessionLimiter = stallingLimiter();
    const warnings: string[] = [];
    vi.spyOn(console, "warn").mockImplementation((line: unknown) => void warnings.push(String(line)));
    fakeTimers();
    const pending = sendJson(
      "/v1/auth/refresh",
      "POST",
      { refreshToken: user.refreshToken, userType: "user" },
      {},
      { REFRESH_IP_LIMITER: ipLimiter, REFRESH_SESSION_LIMITER: sessionLimiter },
    );
    const calls = () => ipLimiter.calls + sessionLimiter.calls;
    await passDeadlineOnceCalled(calls, 1, LOCAL_SERVICE_DEADLINE_MS);
    await passDeadlineOnceCalled(calls, 2, LOCAL_SERVICE_DEADLINE_MS);
    const res = await pending;
    expect(res.status).toBe(200);
    expect(((await res.json()) as { accessToken?: string }).accessToken).toEqual(expect.any(String));
    expect(warnings.filter((line) => line.includes("rate_limiter_failed_open"))).toHaveLength(2);
  });
});

describe("the Cache API never answering", () => {
  it("a cold API key is read from D1 (200) once the cache read's deadline passes; the cache write gives up too", async () => {
    const owner = await signedInOwner();
    const { key } = await createKey(owner);
    const match = vi.spyOn(caches.default, "match").mockImplementation(neverSettles);
    const put = vi.spyOn(caches.default, "put").mockImplementation(neverSettles);
    const warnings: string[] = [];
    vi.spyOn(console, "warn").mockImplementation((line: unknown) => void warnings.push(String(line)));
    fakeTimers();
    const pending = presentKey(key);
    await passDeadlineOnceCalled(() => match.mock.calls.length, 1, LOCAL_SERVICE_DEADLINE_MS);
    // The write waits in the response's deferred work, which `presentKey` waits for as well.
    await passDeadlineOnceCalled(() => put.mock.calls.length, 1, LOCAL_SERVICE_DEADLINE_MS);
    const res = await pending;
    expect(res.status).toBe(200);
    const failures = warnings.filter((line) => line.includes("cache_api_failed"));
    expect(failures).toEqual([
      expect.stringContaining('"operation":"match"'),
      expect.stringContaining('"operation":"put"'),
    ]);
  });

  it("revoking a key answers once the cache delete's deadline passes, and the key is refused", async () => {
    const owner = await signedInOwner();
    const { key, api_key } = await createKey(owner);
    expect((await presentKey(key)).status).toBe(200);
    const remove = vi.spyOn(caches.default, "delete").mockImplementation(neverSettles);
    vi.spyOn(console, "warn").mockImplementation(() => undefined);
    fakeTimers();
    const pending = send(`/v1/api-keys/${api_key.id}`, { method: "DELETE", headers: owner.headers });
    await passDeadlineOnceCalled(() => remove.mock.calls.length, 1, LOCAL_SERVICE_DEADLINE_MS);
    expect((await pending).status).toBe(200);
    vi.useRealTimers();
    vi.restoreAllMocks();
    expect((await presentKey(key)).status).toBe(401);
  });
});

describe("KV never answering", () => {
  it("Ping refresh: 503 at the adapter's deadline, the stalled read tried once, KV named", async () => {
    const user = await signedInUser();
    const kv = faultyKv(env.KV, { fail: "reads", stall: true });
    fakeTimers();
    const logs = await dependencyLogsOf(async () => {
      const pending = sendJson(
        "/v1/auth/refresh",
        "POST",
        { refreshToken: user.refreshToken, userType: "user" },
        {},
        { KV: kv.binding },
      );
      await vi.waitFor(() => expect(kv.calls).toHaveLength(2), UNTIL_CALLED);
      await vi.advanceTimersByTimeAsync(DEFAULT_CALL_POLICY.deadlineMs);
      await expectUnavailable(await pending, "ping");
    });
    expect(logs).toEqual([expect.objectContaining({ dependency: "kv" })]);
    // A stalled call is given up on, not retried: each key was read once.
    const keys = kv.calls.map((call) => call.what);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe("an identity provider's JWKS never answering", () => {
  for (const stall of ["headers", "body"] as const) {
    it(`stalling in its ${stall}, with nothing cached: PERS exchange is 503 at the fetch's deadline, nothing written`, async () => {
      const idp = await FakeIdentityProvider.create();
      idp.stall = stall;
      const tenant = await createTenant();
      await idp.trustedBy(tenant);
      const token = await idp.token("someone");
      vi.spyOn(console, "warn").mockImplementation(() => undefined);
      const before = await tenantFootprint(tenant);
      fakeTimers();
      const logs = await dependencyLogsOf(async () => {
        const pending = exchange(tenant, { authToken: token });
        await passDeadlineOnceCalled(() => idp.fetchCount, 1, JWKS_FETCH_TIMEOUT_MS);
        await expectUnavailable(await pending, "pers");
      });
      expect(logs).toEqual([expect.objectContaining({ dependency: "jwks" })]);
      expect(idp.fetchCount).toBe(1);
      vi.useRealTimers();
      expect(await tenantFootprint(tenant)).toEqual(before);
    });
  }
});
