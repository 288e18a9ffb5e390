import type { UserPrincipal } from "../../domain";
import { AppError } from "../../errors";
import { primaryOf } from "../../storage/d1-sessions";
import { getSession, listSessionIds, type SessionRecord } from "../../storage/session-store";
import { findUserByPublicId } from "../../storage/users";
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
 *
 * That record says "not disabled", so it could overwrite the record of a disable that landed a
 * moment before (KV keeps the last write). The account's status is therefore read from the
 * primary once the record is written: a disable's D1 write precedes its KV write, so either it is
 * seen here and its record written again, or its record comes after this one.
 */
export async function revokeOtherSessions(deps: Deps, principal: UserPrincipal): Promise<number> {
  const { userPublicId } = principal;
  await revokeAccountSessions(deps, userPublicId, { disabled: false, keepSessionId: principal.sessionId });
  const account = await findUserByPublicId(primaryOf(deps.db), userPublicId);
  if (account?.status !== "active") await revokeAccountSessions(deps, userPublicId, { disabled: true });
  return deleteAllSessions(deps, userPublicId, principal.sessionId);
}
