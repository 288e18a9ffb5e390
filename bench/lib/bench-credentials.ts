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
}

/**
 * Logs the bench user in twice, as Ping (a bearer token) and as PingPage (the `session_token`
 * cookie), and pairs them with the tenant's live API key.
 */
export async function benchCredentials(gatewayUrl: URL, user: BenchUser, liveKey: string): Promise<BenchCredentials> {
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
    apiKey: { "X-Ping-Api-Key": liveKey },
  };
}
