import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { RATE_LIMIT_FAILURE_MODE } from "../../src/services/rate-limits";
import { createUser, uniqueEmail } from "../support/accounts";
import { createKey, signedInOwner } from "../support/api-keys";
import { FakeIdentityProvider } from "../support/identity-provider";
import { stubOrigins } from "../support/origins";
import { exchange, tenantFootprint } from "../support/pers";
import { createTenant } from "../support/tenants";
import { signedInUser } from "../support/tokens";
import { send, sendJson } from "../support/worker";
import { pingLogin } from "./clients";
import { dependencyLogsOf, expectUnavailable } from "./expect-unavailable";
import { failingLimiter, faultyD1 } from "./faulty-bindings";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("the Cache API failing", () => {
  it("a cold API key falls through to D1 (200): a failed read is a miss, a failed write is ignored", async () => {
    const owner = await signedInOwner();
    const { key } = await createKey(owner);
    const match = vi.spyOn(caches.default, "match").mockRejectedValue(new Error("cache unavailable"));
    const put = vi.spyOn(caches.default, "put").mockRejectedValue(new Error("cache unavailable"));
    vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const d1 = faultyD1(env.DB, { fail: "writes" });
    const res = await send(
      "/v1/notification/api/sms/send",
      { method: "POST", headers: { "X-Ping-Api-Key": key }, body: "{}" },
      { DB: d1.binding },
    );
    expect(res.status).toBe(200);
    expect(match).toHaveBeenCalled();
    expect(put).toHaveBeenCalled();
    expect(d1.calls.some((call) => call.kind === "read" && !call.failed)).toBe(true);
  });
});

describe("a rate limiter's binding failing", () => {
  it("fails closed where the limit stops guessing or mass creation, open where credentials cannot be guessed", () => {
    expect(RATE_LIMIT_FAILURE_MODE).toEqual({
      login_ip: "closed",
      login_account_ip: "closed",
      login_account: "closed",
      login_device: "closed",
      register_ip: "closed",
      token_exchange_ip: "closed",
      refresh_ip: "open",
      refresh_session: "open",
      api_key_failure_ip: "open",
    });
  });

  it("login: closed, 503 in Ping JSON naming the rate limiter, and no password checked", async () => {
    const user = await createUser();
    const d1 = faultyD1(env.DB, { fail: "writes" });
    const logs = await dependencyLogsOf(async () => {
      const res = await pingLogin(user, { LOGIN_IP_LIMITER: failingLimiter(), DB: d1.binding });
      await expectUnavailable(res, "ping");
    });
    expect(logs).toEqual([expect.objectContaining({ dependency: "rate_limiter" })]);
    expect(d1.calls).toEqual([]);
  });

  it("a wrong password past a failing per-account limiter: closed, 503 (a guess is never let through)", async () => {
    const user = await createUser();
    const res = await pingLogin(user, { LOGIN_ACCOUNT_LIMITER: failingLimiter() }, "not the password");
    await expectUnavailable(res, "ping");
  });

  it("a password change past a failing per-account limiter: closed, 503, the password unchanged", async () => {
    const user = await signedInUser();
    const res = await sendJson(
      "/v1/me/password",
      "POST",
      { current_password: "a guess at it", new_password: "a new password" },
      user.headers,
      { LOGIN_ACCOUNT_IP_LIMITER: failingLimiter() },
    );
    await expectUnavailable(res, "ping");
    expect((await pingLogin(user, {})).status).toBe(200);
  });

  it("register: closed, 503 in plain text, no account made", async () => {
    const email = uniqueEmail("register-limiter");
    const res = await sendJson(
      "/v1/auth/register",
      "POST",
      { email, password: "a long enough password", name: "Someone" },
      {},
      { REGISTER_IP_LIMITER: failingLimiter() },
    );
    await expectUnavailable(res, "pingpage");
  });

  it("refresh: open, 200, with a warning logged", async () => {
    const user = await signedInUser();
    const warnings: string[] = [];
    vi.spyOn(console, "warn").mockImplementation((line: unknown) => void warnings.push(String(line)));
    const res = await sendJson(
      "/v1/auth/refresh",
      "POST",
      { refreshToken: user.refreshToken, userType: "user" },
      {},
      { REFRESH_IP_LIMITER: failingLimiter(), REFRESH_SESSION_LIMITER: failingLimiter() },
    );
    expect(res.status).toBe(200);
    expect(warnings.filter((line) => line.includes("rate_limiter_failed_open"))).toHaveLength(2);
  });

  it("a refused API key: open, still the 401 it deserves", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const res = await send(
      "/v1/notification/api/sms/send",
      { method: "POST", headers: { "X-Ping-Api-Key": "sk_test_not_a_real_key" } },
      { API_KEY_FAILURE_IP_LIMITER: failingLimiter() },
    );
    expect(res.status).toBe(401);
  });
});

describe("an identity provider's JWKS unreachable", () => {
  it("with nothing cached: PERS exchange is 503 in PERS JSON naming the JWKS, and nothing is written", async () => {
    const idp = await FakeIdentityProvider.create();
    idp.down = true;
    const tenant = await createTenant();
    await idp.trustedBy(tenant);
    vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const before = await tenantFootprint(tenant);
    const logs = await dependencyLogsOf(async () => {
      await expectUnavailable(await exchange(tenant, { authToken: await idp.token("a") }), "pers");
    });
    expect(logs).toEqual([expect.objectContaining({ dependency: "jwks" })]);
    expect(await tenantFootprint(tenant)).toEqual(before);
  });
});

describe("the origin unreachable", () => {
  it("stays a 502 in the gateway's JSON", async () => {
    stubOrigins();
    const res = await send("/down/x");
    expect(res.status).toBe(502);
    expect(await res.json()).toEqual({
      error: "upstream_unavailable",
      message: "The upstream service is unavailable.",
    });
  });
});
