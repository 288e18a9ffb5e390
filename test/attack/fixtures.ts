import { decodeJwt } from "jose";
import { createUser } from "../support/accounts";
import { createKey, sendAs, signedInOwner } from "../support/api-keys";
import { sessionCookieValue, withSession } from "../support/cookies";
import { type SignedIn, signIn } from "../support/tokens";
import { send, sendJson } from "../support/worker";
import { makePersFixtures, type PersFixtures } from "./pers-fixtures";

/** Valid credentials of every kind (and some spent ones) for the attack suite to vary. */
export interface Fixtures {
  user: SignedIn & { businessPublicId: string; sessionId: string; refreshToken: string };
  admin: SignedIn;
  /** A live `session_token` of `user`. */
  cookie: string;
  loggedOut: { accessToken: string; refreshToken: string };
  loggedOutCookie: string;
  apiKey: string;
  apiKeyId: string;
  revokedApiKey: string;
  /** A user the admin may act on. */
  bystanderPublicId: string;
  /** A test-mode key of `user`'s business holding `email` only (`apiKey` holds `sms`). */
  emailOnlyApiKey: string;
  /** A test-mode key holding `bulk` and `sms`: refused by live-only routes. */
  testBulkApiKey: string;
  pers: PersFixtures;
}

async function tokenLogin(email: string, password: string) {
  const res = await sendJson("/v1/auth/login", "POST", { email, password }, { "User-Type": "user" });
  return res.json<{ accessToken: string; refreshToken: string }>();
}

async function cookieLogin(email: string, password: string) {
  return sessionCookieValue(await sendJson("/v1/auth/login", "POST", { email, password }));
}

export async function makeFixtures(): Promise<Fixtures> {
  const owner = await signedInOwner();
  const { refreshToken } = await tokenLogin(owner.email, owner.password);
  const sessionId = String(decodeJwt(owner.accessToken).session_id);

  const loggedOut = await tokenLogin(owner.email, owner.password);
  await send("/v1/auth/logout", {
    method: "POST",
    headers: { Authorization: `Bearer ${loggedOut.accessToken}`, "User-Type": "user" },
  });
  const cookie = await cookieLogin(owner.email, owner.password);
  const loggedOutCookie = await cookieLogin(owner.email, owner.password);
  await send("/v1/auth/logout", { method: "POST", headers: withSession(loggedOutCookie) });

  const { key, api_key } = await createKey(owner);
  const revoked = await createKey(owner);
  await sendAs(owner, "DELETE", `/v1/api-keys/${revoked.api_key.id}`);

  const emailOnly = await createKey(owner, { permissions: ["email"] });
  const testBulk = await createKey(owner, { permissions: ["bulk", "sms"] });

  const admin = await signIn(await createUser({ userType: "adminuser" }));
  const bystander = await createUser();
  return {
    user: { ...owner, sessionId, refreshToken },
    admin,
    cookie,
    loggedOut,
    loggedOutCookie,
    apiKey: key,
    apiKeyId: api_key.id,
    revokedApiKey: revoked.key,
    bystanderPublicId: bystander.publicId,
    emailOnlyApiKey: emailOnly.key,
    testBulkApiKey: testBulk.key,
    pers: await makePersFixtures(),
  };
}
