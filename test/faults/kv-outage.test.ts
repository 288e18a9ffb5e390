import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { countUsersWithEmail, createUser, uniqueEmail } from "../support/accounts";
import { createKey, signedInOwner } from "../support/api-keys";
import { startedSession } from "../support/pers-session";
import { sessionIdsOf } from "../support/sessions";
import { signedInUser } from "../support/tokens";
import { send, sendJson } from "../support/worker";
import { pingLogin } from "./clients";
import { dependencyLogsOf, expectUnavailable } from "./expect-unavailable";
import { faultyD1, faultyKv } from "./faulty-bindings";

/** KV unreachable: sessions cannot be started, read or ended; nothing else is touched. */

const READ_ATTEMPTS = 3;

function attemptsPerKey(calls: { what: string }[]): number[] {
  const counts = new Map<string, number>();
  for (const call of calls) counts.set(call.what, (counts.get(call.what) ?? 0) + 1);
  return [...counts.values()];
}

describe("KV down: what each surface answers", () => {
  it("Ping refresh: 503 in Ping JSON, each of its two keyed reads tried 3 times, KV named in the log", async () => {
    const user = await signedInUser();
    const kv = faultyKv(env.KV, { fail: "all" });
    const logs = await dependencyLogsOf(async () => {
      const res = await sendJson(
        "/v1/auth/refresh",
        "POST",
        { refreshToken: user.refreshToken, userType: "user" },
        {},
        { KV: kv.binding },
      );
      await expectUnavailable(res, "ping");
    });
    expect(kv.calls.every((call) => call.kind === "read")).toBe(true);
    // The two reads run side by side: the answer goes out when the first gives up after its third
    // attempt, and the other may still be between its retries then. Neither ever tries a fourth time.
    const attempts = attemptsPerKey(kv.calls);
    expect(attempts).toHaveLength(2);
    expect(Math.max(...attempts)).toBe(READ_ATTEMPTS);
    expect(attempts.every((n) => n <= READ_ATTEMPTS)).toBe(true);
    expect(logs).toEqual([expect.objectContaining({ dependency: "kv" })]);
    expect(JSON.stringify(logs)).not.toContain(user.refreshToken);
  });

  it("Ping login: 503, the session write attempted exactly once, no session and no token", async () => {
    const user = await createUser();
    const kv = faultyKv(env.KV, { fail: "writes" });
    const res = await pingLogin(user, { KV: kv.binding });
    await expectUnavailable(res, "ping");
    expect(kv.failed("write")).toHaveLength(1);
    expect(kv.calls.filter((call) => call.kind === "write")).toHaveLength(1);
    expect(await sessionIdsOf(user.publicId)).toEqual([]);
  });

  it("PingPage register: 503 without a cookie and no account left, so registering again works", async () => {
    const email = uniqueEmail("register-kv");
    const password = "a long enough password";
    const body = { email, password, name: "Outage Person" };
    const res = await sendJson(
      "/v1/auth/register",
      "POST",
      body,
      {},
      { KV: faultyKv(env.KV, { fail: "writes" }).binding },
    );
    await expectUnavailable(res, "pingpage");
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(await countUsersWithEmail(email)).toBe(0);
    const retried = await sendJson("/v1/auth/register", "POST", body);
    expect(retried.status).toBe(201);
    expect(await countUsersWithEmail(email)).toBe(1);
  });

  it("PingPage register with KV and then D1 failing: the account stays, and signing in with it works", async () => {
    const email = uniqueEmail("register-kv-d1");
    const password = "a long enough password";
    const d1 = faultyD1(env.DB, { fail: "writes", afterWrites: 1 });
    const res = await sendJson(
      "/v1/auth/register",
      "POST",
      { email, password, name: "Outage Person" },
      {},
      { KV: faultyKv(env.KV, { fail: "writes" }).binding, DB: d1.binding },
    );
    await expectUnavailable(res, "pingpage");
    expect(await countUsersWithEmail(email)).toBe(1);
    const login = await sendJson("/v1/auth/login", "POST", { email, password });
    expect(login.status).toBe(200);
  });

  it("Ping logout: 503, and the session stays usable rather than half-ended", async () => {
    const user = await signedInUser();
    const res = await send(
      "/v1/auth/logout",
      { method: "POST", headers: user.headers },
      { KV: faultyKv(env.KV, { fail: "writes" }).binding },
    );
    await expectUnavailable(res, "ping");
    const refreshed = await sendJson("/v1/auth/refresh", "POST", { refreshToken: user.refreshToken, userType: "user" });
    expect(refreshed.status).toBe(200);
  });
});

describe("a warm forward with D1 and KV both down", () => {
  it("an API key already verified in this isolate is forwarded (200), with no D1 or KV call at all", async () => {
    const owner = await signedInOwner();
    const { key } = await createKey(owner);
    const vars = { API_KEY_CACHE_SECONDS: "60" };
    const request = () => ({ method: "POST", headers: { "X-Ping-Api-Key": key }, body: "{}" });
    const cold = await send("/v1/notification/api/sms/send", request(), vars);
    expect(cold.status).toBe(200);

    const d1 = faultyD1(env.DB, { fail: "all" });
    const kv = faultyKv(env.KV, { fail: "all" });
    // `send` waits for the deferred work too (usage counts, cache writes).
    const warm = await send("/v1/notification/api/sms/send", request(), { ...vars, DB: d1.binding, KV: kv.binding });
    expect(warm.status).toBe(200);
    expect(d1.calls).toEqual([]);
    expect(kv.calls).toEqual([]);
  });
});

describe("KV down while an admin suspends a tenant", () => {
  it("503 after D1 and the audit took the new status; sending it again once KV is back finishes it", async () => {
    const admin = await signedInUser("adminuser");
    const owner = await signedInOwner();
    const path = `/v1/admin/businesses/${owner.businessPublicId}`;
    const mark = `tenant-suspended:${owner.businessPublicId}`;
    const kv = faultyKv(env.KV, { fail: "writes" });
    const res = await sendJson(path, "PATCH", { status: "suspended" }, admin.headers, { KV: kv.binding });
    await expectUnavailable(res, "ping");
    expect(kv.failed("write")).toHaveLength(1);
    const status = await env.DB.prepare("SELECT status FROM businesses WHERE public_id = ?")
      .bind(owner.businessPublicId)
      .first<{ status: string }>();
    expect(status?.status).toBe("suspended");
    expect(await env.KV.get(mark)).toBeNull();

    const again = await sendJson(path, "PATCH", { status: "suspended" }, admin.headers);
    expect(again.status).toBe(200);
    expect(await env.KV.get(mark)).not.toBeNull();
  });
});

describe("KV failing only the tenant's suspension mark", () => {
  it("a PERS access token at the gateway: 503, the mark read tried 3 times, never let through", async () => {
    const { pair } = await startedSession();
    const kv = faultyKv(env.KV, { fail: "reads", only: "get tenant-suspended:" });
    const logs = await dependencyLogsOf(async () => {
      const res = await send(
        "/v1/loyalty/points",
        { headers: { Authorization: `Bearer ${pair.accessToken}` } },
        { KV: kv.binding },
      );
      await expectUnavailable(res, "gateway");
    });
    expect(kv.failed("read")).toHaveLength(READ_ATTEMPTS);
    expect(kv.failed("read").every((call) => call.what.startsWith("get tenant-suspended:"))).toBe(true);
    expect(logs).toEqual([expect.objectContaining({ dependency: "kv" })]);
    expect(JSON.stringify(logs)).not.toContain(pair.accessToken);
  });
});
