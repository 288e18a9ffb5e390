import { signDemoIdentityToken } from "../../scripts/lib/demo-identity-provider.ts";
import type { BenchTenant } from "./bench-tenant.ts";
import type { BenchUser } from "./gateway-under-test.ts";

/** `POST /v1/auth/login` as the bench user: with `User-Type` the Ping flow, without it PingPage's. */
export function logIn(gatewayUrl: URL, user: BenchUser, headers: Record<string, string>): Promise<Response> {
  return fetch(new URL("/v1/auth/login", gatewayUrl), {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: JSON.stringify({ email: user.email, password: user.password }),
  });
}

export interface BenchCredentials {
  /** The refresh token of the bearer login, for the refresh measurement. */
  refreshToken: string;
  /** Request headers that present each credential. */
  bearer: Record<string, string>;
  cookie: Record<string, string>;
  apiKey: Record<string, string>;
  /** A PERS access token of the tenant's user, exchanged for a demo identity provider's token. */
  pers: Record<string, string>;
}

/** A PERS token pair at `POST /v2/auth/token` for an identity token of the demo provider. */
async function exchangeForPers(gatewayUrl: URL, projectKey: string): Promise<string> {
  const res = await fetch(new URL("/v2/auth/token", gatewayUrl), {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-API-Key": projectKey },
    body: JSON.stringify({ authToken: await signDemoIdentityToken({ subject: "bench-user", ttlSeconds: 3600 }) }),
  });
  if (res.status !== 200) throw new Error(`PERS exchange: HTTP ${res.status} ${await res.text()}`);
  return ((await res.json()) as { accessToken: string }).accessToken;
}

/**
 * Logs the bench user in twice, as Ping (a bearer token) and as PingPage (the `session_token`
 * cookie), pairs them with the tenant's live API key, and exchanges a demo identity token for a
 * PERS access token at the tenant.
 */
export async function benchCredentials(
  gatewayUrl: URL,
  user: BenchUser,
  tenant: BenchTenant,
): Promise<BenchCredentials> {
  const login = (headers: Record<string, string>) => logIn(gatewayUrl, user, headers);
  const tokens = (await (await login({ "User-Type": "user" })).json()) as { accessToken: string; refreshToken: string };
  // PingPage's login: no User-Type, the session comes back as the `session_token` cookie.
  const cookieLogin = await login({});
  const sessionCookie = cookieLogin.headers
    .getSetCookie()
    .map((line) => line.split(";")[0] ?? "")
    .find((pair) => pair.startsWith("session_token="));
  if (!sessionCookie) throw new Error(`cookie login: HTTP ${cookieLogin.status}, no session cookie`);
  return {
    refreshToken: tokens.refreshToken,
    bearer: { Authorization: `Bearer ${tokens.accessToken}`, "User-Type": "user" },
    cookie: { Cookie: sessionCookie },
    apiKey: { "X-Ping-Api-Key": tenant.liveKey },
    pers: { Authorization: `Bearer ${await exchangeForPers(gatewayUrl, tenant.projectKey)}` },
  };
}
