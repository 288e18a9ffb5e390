import { env } from "cloudflare:workers";
import { listSessionIds } from "../../src/storage/session-store";
import { withSession } from "./cookies";
import type { SignedIn } from "./tokens";
import { send, sendJson } from "./worker";

/** The ids of every session KV holds for a user: what "nothing changed" is checked against. */
export function sessionIdsOf(userPublicId: string): Promise<string[]> {
  return listSessionIds(env.KV, userPublicId).then((ids) => ids.sort());
}

/** The session id inside a `{userPublicId}.{sessionId}.{secret}` cookie value. */
export function sessionIdOfCookie(cookie: string): string {
  const id = cookie.split(".")[1];
  if (!id) throw new Error("not a session cookie");
  return id;
}

/** The status a bearer token's session check gets: 200 while its session is live. */
export async function bearerWorks(session: Pick<SignedIn, "headers">): Promise<number> {
  return (await send("/v1/auth/session", { headers: session.headers })).status;
}

/** The status a refresh with this session's refresh token gets. */
export async function refreshWorks(session: Pick<SignedIn, "refreshToken" | "userType">): Promise<number> {
  const res = await sendJson("/v1/auth/refresh", "POST", {
    refreshToken: session.refreshToken,
    userType: session.userType,
  });
  return res.status;
}

/** The status `/v1/me` gets with this session cookie. */
export async function cookieWorks(cookie: string): Promise<number> {
  return (await send("/v1/me", { headers: withSession(cookie) })).status;
}
