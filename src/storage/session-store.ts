import type { UserType } from "../domain";
import { kvExpiration, kvKeys } from "./keys";

/** `dashboard`: a `/dashboard` sign-in (any user type), never accepted as `session_token`. */
export type SessionKind = "token" | "cookie" | "dashboard";

/** What KV holds for one live session. Its absence means the session has ended. */
export interface SessionRecord {
  id: string;
  userPublicId: string;
  userType: UserType;
  kind: SessionKind;
  createdAt: number;
  /**
   * When the login that started it read the account as active (the login request's start, so no
   * later than that read): what an account revocation is compared against. Older records lack it
   * and count from `createdAt`.
   */
  authorizedAt?: number;
  expiresAt: number;
  /** SHA-256 of the cookie secret (cookie sessions only); the secret itself is never stored. */
  secretHash?: string;
  userAgent?: string;
  ip?: string;
}

export async function putSession(kv: KVNamespace, record: SessionRecord, nowMs: number): Promise<void> {
  await kv.put(kvKeys.session(record.userPublicId, record.id), JSON.stringify(record), {
    expiration: kvExpiration(record.expiresAt, nowMs),
  });
}

export async function getSession(
  kv: KVNamespace,
  userPublicId: string,
  sessionId: string,
): Promise<SessionRecord | null> {
  return kv.get<SessionRecord>(kvKeys.session(userPublicId, sessionId), "json");
}

export async function deleteSession(kv: KVNamespace, userPublicId: string, sessionId: string): Promise<void> {
  await kv.delete(kvKeys.session(userPublicId, sessionId));
}

/** Ids of a user's sessions (KV `list` is eventually consistent across locations). */
export async function listSessionIds(kv: KVNamespace, userPublicId: string): Promise<string[]> {
  const prefix = kvKeys.sessionsOfUser(userPublicId);
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await kv.list({ prefix, cursor });
    for (const key of page.keys) ids.push(key.name.slice(prefix.length));
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  return ids;
}
