import { env } from "cloudflare:workers";
import { listSessionIds } from "../../src/storage/session-store";

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
