import { kvKeys } from "./keys";

/**
 * An account-level revocation: every Ping session (token or cookie) of the user authorized at or
 * before `sessionsNotBefore` is dead, except `keepSessionId` ("log out everywhere else"), and
 * every session at all while `disabled`. Its absence means nothing was revoked this way.
 */
export interface AccountRevocation {
  sessionsNotBefore: number;
  disabled: boolean;
  keepSessionId?: string;
}

export function getAccountRevocation(kv: KVNamespace, userPublicId: string): Promise<AccountRevocation | null> {
  return kv.get<AccountRevocation>(kvKeys.accountRevocation(userPublicId), "json");
}

/** No expiry: it must outlive every session it ends, and a disabled account stays disabled. */
export async function putAccountRevocation(
  kv: KVNamespace,
  userPublicId: string,
  record: AccountRevocation,
): Promise<void> {
  await kv.put(kvKeys.accountRevocation(userPublicId), JSON.stringify(record));
}
