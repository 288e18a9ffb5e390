import type { UserPrincipal } from "../../domain";
import { AppError } from "../../errors";
import { getSession, listSessionIds, type SessionRecord } from "../../storage/session-store";
import type { Deps } from "../deps";
import { deleteAllSessions, findLiveSession, revokeAccountSessions, revokeSession } from "./session-records";

/**
 * Every live session of the caller, token and cookie alike, newest first. KV's `list` is
 * eventually consistent across locations, so a session started elsewhere a moment ago may be
 * missing for up to a minute; an ended one never shows (each record is read back and checked).
 */
export async function listOwnSessions(deps: Deps, principal: UserPrincipal): Promise<SessionRecord[]> {
  const nowMs = deps.now.getTime();
  const ids = await listSessionIds(deps.kv, principal.userPublicId);
  const records = await Promise.all(ids.map((id) => findLiveSession(deps, principal.userPublicId, id)));
  return records
    .flatMap((record) => (record && record.expiresAt > nowMs ? [record] : []))
    .sort((a, b) => b.createdAt - a.createdAt);
}

/**
 * Ends one of the caller's own sessions. Sessions are keyed under their user, so another user's
 * session id finds nothing here and is the same 404 as an unknown one.
 */
export async function revokeOwnSession(deps: Deps, principal: UserPrincipal, sessionId: string): Promise<void> {
  const record = await getSession(deps.kv, principal.userPublicId, sessionId);
  if (!record || record.expiresAt <= deps.now.getTime()) {
    throw new AppError("not_found", { detail: "no such session for this user" });
  }
  await revokeSession(deps, principal.userPublicId, sessionId);
}

/**
 * "Log out everywhere else": every session of the caller but the current one, including any that
 * `list` cannot see yet, ends through the account revocation; the count is of the records deleted.
 */
export async function revokeOtherSessions(deps: Deps, principal: UserPrincipal): Promise<number> {
  await revokeAccountSessions(deps, principal.userPublicId, { disabled: false, keepSessionId: principal.sessionId });
  return deleteAllSessions(deps, principal.userPublicId, principal.sessionId);
}
