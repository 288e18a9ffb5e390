import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { matchRoute } from "../../src/gateway/match";
import { proxyRequest } from "../../src/gateway/proxy";
import { loadRouteTable } from "../../src/gateway/route-table";
import { createApiKey } from "../../src/services/api-keys/management";
import { authenticateCredentials } from "../../src/services/auth/authenticate";
import type { PresentedCredentials } from "../../src/services/auth/credentials";
import type { Deps } from "../../src/services/deps";
import { registerWithCookie } from "../../src/services/sessions/cookie-sessions";
import { createUser, uniqueEmail } from "../support/accounts";
import { businessPublicIdOf } from "../support/api-keys";
import { testDeps, untouchable } from "../support/deps";
import { persSessionAt } from "../support/pers-session";

const bindings = env as unknown as Readonly<Record<string, unknown>>;
const table = loadRouteTable(env.GATEWAY_ROUTES, bindings);

const noCredentials: PresentedCredentials = {
  authorization: undefined,
  userType: undefined,
  apiKey: undefined,
  sessionCookie: undefined,
  origin: undefined,
};

/** What the gateway's handler chain does for a GET: match, authenticate under the route's policy, forward. */
async function throughGateway(deps: Deps, path: string, credentials: Partial<PresentedCredentials>) {
  const url = new URL(`https://gatehouse.test${path}`);
  const route = matchRoute(table, "GET", url.pathname);
  const policy = route.credentialPolicy;
  const principal = policy ? await authenticateCredentials(deps, { ...noCredentials, ...credentials }, policy) : null;
  return proxyRequest(deps, {
    request: new Request(url, { method: "GET" }),
    url,
    requestId: crypto.randomUUID(),
    route,
    principal,
    bindings,
  });
}

/** The same dependencies a second later, with D1 and KV that fail the test if touched. */
function withoutStorage(deps: Deps): Deps {
  return { ...deps, db: untouchable<Deps["db"]>("D1"), kv: untouchable<Deps["kv"]>("KV") };
}

describe("the gateway's warm paths (SPEC §5)", () => {
  it("a repeated request with one API key is authenticated, signed and forwarded without D1 or KV", async () => {
    const clock = await testDeps();
    const t0 = Date.now();
    const owner = await createUser({ businessNames: ["Warm Co"] });
    const issued = await createApiKey(
      clock.at(t0),
      { principal: { method: "jwt", userPublicId: owner.publicId, userType: "user", sessionId: "test" } },
      {
        businessPublicId: await businessPublicIdOf(owner.businessIds[0] ?? -1),
        name: "Warm",
        kind: "secret",
        mode: "live",
        permissions: ["sms"],
      },
    );
    const cold = await throughGateway(clock.at(t0), "/v1/notification/api/sms/send", { apiKey: issued.plaintext });
    expect(cold.status).toBe(200);
    await clock.settle();

    const warm = await throughGateway(withoutStorage(clock.at(t0 + 1000)), "/v1/notification/api/sms/send", {
      apiKey: issued.plaintext,
    });
    expect(warm.status).toBe(200);
    const echo = await warm.json<{ headers: Record<string, string> }>();
    expect(echo.headers["x-auth-key-id"]).toBe(issued.key.key.publicId);
  });

  it("a repeated request with one session cookie is forwarded without KV or D1", async () => {
    const clock = await testDeps();
    const t0 = Date.now();
    const { cookieValue } = await registerWithCookie(clock.at(t0), {
      email: uniqueEmail("warm"),
      password: `pw-${crypto.randomUUID()}`,
      name: "Warm Browser",
      client: {},
    });
    const cold = await throughGateway(clock.at(t0), "/app/home", { sessionCookie: cookieValue });
    expect(cold.status).toBe(200);
    await clock.settle();

    const warm = await throughGateway(withoutStorage(clock.at(t0 + 1000)), "/app/home", {
      sessionCookie: cookieValue,
    });
    expect(warm.status).toBe(200);
    const echo = await warm.json<{ headers: Record<string, string> }>();
    expect(echo.headers["x-auth-method"]).toBe("session");
  });

  it("a repeated request with one PERS access token is forwarded without KV or D1", async () => {
    const clock = await testDeps();
    const t0 = Date.now();
    const { user, pair } = await persSessionAt(clock.at(t0), "Warm Loyalty");
    const authorization = `Bearer ${pair.accessToken}`;
    const cold = await throughGateway(clock.at(t0), "/v1/loyalty/points", { authorization });
    expect(cold.status).toBe(200);
    await clock.settle();

    const warm = await throughGateway(withoutStorage(clock.at(t0 + 1000)), "/v1/loyalty/points", { authorization });
    expect(warm.status).toBe(200);
    const echo = await warm.json<{ headers: Record<string, string> }>();
    expect(echo.headers["x-auth-method"]).toBe("pers");
    expect(echo.headers["x-auth-tenant-user-id"]).toBe(user.publicId);
  });
});
