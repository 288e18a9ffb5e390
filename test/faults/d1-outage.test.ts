import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { DEFAULT_CALL_POLICY } from "../../src/storage/resilient-call";
import { createUser, uniqueEmail } from "../support/accounts";
import { createKey, signedInOwner } from "../support/api-keys";
import { exchange, refresh, tenantFootprint } from "../support/pers";
import { startedSession, tenantTrustingProvider } from "../support/pers-session";
import { signedInUser } from "../support/tokens";
import { send, sendJson } from "../support/worker";
import { pingLogin } from "./clients";
import { dependencyLogsOf, expectUnavailable } from "./expect-unavailable";
import { D1_CONNECTION_LOST, D1_OVERLOADED, faultyD1 } from "./faulty-bindings";

/**
 * D1 unreachable: every surface that needs it answers 503 with `Retry-After` in its own dialect,
 * names D1 in one log line, retries its idempotent reads a bounded number of times and never
 * retries a write.
 */

/** First attempt plus the adapter's two retries. */
const READ_ATTEMPTS = 3;

function d1Down(message = D1_CONNECTION_LOST) {
  return faultyD1(env.DB, { fail: "all", message });
}

describe("D1 down: what each surface answers", () => {
  it("Ping login: 503 in Ping JSON, its user read tried 3 times, D1 named in the log", async () => {
    const user = await createUser();
    const d1 = d1Down();
    const logs = await dependencyLogsOf(async () => {
      const res = await pingLogin(user, { DB: d1.binding });
      await expectUnavailable(res, "ping");
    });
    expect(d1.calls.map((call) => call.kind)).toEqual(Array(READ_ATTEMPTS).fill("read"));
    expect(logs).toEqual([expect.objectContaining({ level: "error", dependency: "d1" })]);
    expect(JSON.stringify(logs)).not.toContain(user.password);
    expect(JSON.stringify(logs)).not.toContain(user.email);
  });

  it("an overloaded D1 is not retried: one attempt, then 503", async () => {
    const user = await createUser();
    const d1 = d1Down(D1_OVERLOADED);
    const res = await pingLogin(user, { DB: d1.binding });
    await expectUnavailable(res, "ping");
    expect(d1.calls).toHaveLength(1);
  });

  it("PingPage register: 503 in plain text, its insert attempted exactly once, no account made", async () => {
    const email = uniqueEmail("register");
    const d1 = faultyD1(env.DB, { fail: "writes" });
    const res = await sendJson(
      "/v1/auth/register",
      "POST",
      { email, password: "a long enough password", name: "Outage Person" },
      {},
      { DB: d1.binding },
    );
    await expectUnavailable(res, "pingpage");
    expect(d1.failed("write")).toHaveLength(1);
    expect(d1.calls.filter((call) => call.kind === "write")).toHaveLength(1);
    const count = await env.DB.prepare("SELECT COUNT(*) AS n FROM users WHERE email_normalized = ?")
      .bind(email)
      .first<{ n: number }>();
    expect(count?.n).toBe(0);
    expect(res.headers.getSetCookie()).toEqual([]);
  });

  it("PingPage register still answers 409 for a taken email: a refused statement is not an outage", async () => {
    const user = await createUser();
    const res = await sendJson("/v1/auth/register", "POST", {
      email: user.email,
      password: "a long enough password",
      name: "Someone Else",
    });
    expect(res.status).toBe(409);
    expect(await res.text()).toBe("Email already registered.");
  });

  it("PingPage cookie login: 503 in plain text", async () => {
    const user = await createUser();
    const res = await sendJson(
      "/v1/auth/login",
      "POST",
      { email: user.email, password: user.password },
      {},
      { DB: d1Down().binding },
    );
    await expectUnavailable(res, "pingpage");
  });

  it("a cold API key through the gateway: 503 in the gateway's JSON", async () => {
    const owner = await signedInOwner();
    const { key } = await createKey(owner);
    const res = await send(
      "/v1/notification/api/sms/send",
      { method: "POST", headers: { "X-Ping-Api-Key": key } },
      { DB: d1Down().binding },
    );
    await expectUnavailable(res, "gateway");
  });

  it("admin reads: 503 in Ping JSON", async () => {
    const admin = await signedInUser("adminuser");
    const res = await send("/v1/admin/users", { headers: admin.headers }, { DB: d1Down().binding });
    await expectUnavailable(res, "ping");
  });

  it("PERS exchange: 503 in PERS JSON, and nothing of the tenant written", async () => {
    const { tenant, idp } = await tenantTrustingProvider();
    const before = await tenantFootprint(tenant);
    const res = await sendJson(
      "/v2/auth/token",
      "POST",
      { authToken: await idp.token("outage") },
      { "X-API-Key": tenant.projectKey },
      { DB: d1Down().binding },
    );
    await expectUnavailable(res, "pers");
    expect(await tenantFootprint(tenant)).toEqual(before);
  });

  it("PERS refresh with D1 refusing writes: 503, the rotation attempted once, the old token still works", async () => {
    const { tenant, pair } = await startedSession();
    const d1 = faultyD1(env.DB, { fail: "writes" });
    const res = await sendJson(
      "/v2/auth/refresh",
      "POST",
      { refreshToken: pair.refreshToken },
      { "x-project-key": tenant.projectKey },
      { DB: d1.binding },
    );
    await expectUnavailable(res, "pers");
    expect(d1.failed("write")).toHaveLength(1);
    // Nothing rotated: once D1 is back, the same refresh token is good, and is not taken for reuse.
    const after = await refresh(tenant, pair.refreshToken);
    expect(after.status).toBe(200);
  });

  it("the dashboard sign-in: a 503 page in words, with Retry-After", async () => {
    const user = await createUser();
    const form = new URLSearchParams({ email: user.email, password: user.password });
    const res = await send(
      "/dashboard/sign-in",
      {
        method: "POST",
        redirect: "manual",
        headers: {
          "Content-Type": "application/x-www-form-urlencoded",
          "Sec-Fetch-Site": "same-origin",
          Origin: "https://gatehouse.test",
        },
        body: form.toString(),
      },
      { DB: d1Down().binding },
    );
    await expectUnavailable(res, "dashboard");
  });

  it("the dashboard sign-in form itself still renders (it needs no D1)", async () => {
    const d1 = d1Down();
    const res = await send("/dashboard/sign-in", {}, { DB: d1.binding });
    expect(res.status).toBe(200);
    expect(d1.calls).toEqual([]);
  });

  it("a PERS exchange at a tenant whose provider is known still works once D1 is back", async () => {
    const { tenant, idp } = await tenantTrustingProvider();
    await expectUnavailable(
      await sendJson(
        "/v2/auth/token",
        "POST",
        { authToken: await idp.token("later") },
        { "X-API-Key": tenant.projectKey },
        { DB: d1Down().binding },
      ),
      "pers",
    );
    expect((await exchange(tenant, { authToken: await idp.token("later") })).status).toBe(200);
  });
});

describe("D1 stalling", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("a login whose user read never answers is a 503 at the adapter's deadline, not a hung request", async () => {
    const user = await createUser();
    const d1 = faultyD1(env.DB, { fail: "reads", stall: true });
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const pending = pingLogin(user, { DB: d1.binding });
    // The clock moves only once the read is under way (the rate limiter answers first, over real I/O).
    await vi.waitFor(() => expect(d1.calls).toHaveLength(1));
    // A stalled call is given up on, not retried: one attempt, then the deadline.
    await vi.advanceTimersByTimeAsync(DEFAULT_CALL_POLICY.deadlineMs);
    await expectUnavailable(await pending, "ping");
    expect(d1.calls).toHaveLength(1);
  });
});
