import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { disableUser, enableUser } from "../../src/services/admin/users";
import { changeOwnPassword } from "../../src/services/auth/password-change";
import { authenticatePassword } from "../../src/services/auth/password-login";
import type { Deps } from "../../src/services/deps";
import { authenticateCookieSession, loginWithCookie } from "../../src/services/sessions/cookie-sessions";
import { revokeOtherSessions } from "../../src/services/sessions/session-list";
import { startSession } from "../../src/services/sessions/session-records";
import { issueSessionToken } from "../../src/services/sessions/session-tokens";
import {
  authenticateAccessToken,
  loginForTokens,
  refreshAccessToken,
} from "../../src/services/sessions/token-sessions";
import { openDatabase } from "../../src/storage/db";
import { setUserStatus } from "../../src/storage/users";
import { createUser } from "../support/accounts";
import { testDeps } from "../support/deps";

const client = { ip: "203.0.113.9", userAgent: "test" };

async function adminActor() {
  const admin = await createUser({ userType: "adminuser" });
  return {
    principal: { method: "jwt" as const, userPublicId: admin.publicId, userType: "adminuser" as const, sessionId: "a" },
  };
}

/** KV that records every operation it is asked for, passing each to the real binding. */
function countingKv(): { kv: KVNamespace; calls: string[] } {
  const calls: string[] = [];
  const kv = new Proxy(env.KV, {
    get(target, property) {
      const value = Reflect.get(target, property);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        calls.push(`${String(property)} ${String(args[0])}`);
        return value.apply(target, args);
      };
    },
  });
  return { kv, calls };
}

describe("disabling an account ends every session it has", () => {
  it("its access token, refresh token and cookie are refused with the revoked-session errors", async () => {
    const clock = await testDeps();
    const t0 = Date.now();
    const account = await createUser();
    const tokens = await loginForTokens(clock.at(t0), { ...account, userType: "user", client });
    const cookie = await loginWithCookie(clock.at(t0), { ...account, client });
    await disableUser(clock.at(t0 + 1000), await adminActor(), account.publicId);

    const later = clock.at(t0 + 2000);
    await expect(authenticateAccessToken(later, tokens.accessToken, "user")).rejects.toMatchObject({
      code: "session_revoked",
    });
    await expect(
      refreshAccessToken(later, { refreshToken: tokens.refreshToken, userType: "user", client }),
    ).rejects.toMatchObject({ code: "session_revoked" });
    await expect(authenticateCookieSession(later, cookie.cookieValue)).rejects.toMatchObject({
      code: "invalid_session",
    });
  });

  it("a login that read the account as active before the disable does not yield a live session", async () => {
    const clock = await testDeps();
    const t0 = Date.now();
    const account = await createUser();
    const login = clock.at(t0);
    const found = await authenticatePassword(login, { ...account, userType: "user", client, flow: "token" });
    await disableUser(clock.at(t0 + 500), await adminActor(), account.publicId);
    // The racing login writes its session only now, after the disable deleted what `list` saw.
    const session = await startSession(login, {
      userPublicId: found.user.publicId,
      userType: "user",
      kind: "token",
      ttlSeconds: 3600,
    });
    const token = await issueSessionToken(login, "access", session);
    await expect(authenticateAccessToken(clock.at(t0 + 1000), token, "user")).rejects.toMatchObject({
      code: "session_revoked",
    });
  });

  it("a session written with a later clock is still refused while the account is disabled", async () => {
    const clock = await testDeps();
    const t0 = Date.now();
    const account = await createUser();
    await disableUser(clock.at(t0), await adminActor(), account.publicId);
    // e.g. a login that read a stale replica after the disable
    const session = await startSession(clock.at(t0 + 1000), {
      userPublicId: account.publicId,
      userType: "user",
      kind: "token",
      ttlSeconds: 3600,
    });
    const token = await issueSessionToken(clock.at(t0 + 1000), "access", session);
    await expect(authenticateAccessToken(clock.at(t0 + 2000), token, "user")).rejects.toMatchObject({
      code: "session_revoked",
    });
  });
});

describe("log out everywhere else", () => {
  it("ends every other session, even one `list` would miss, and keeps the caller's", async () => {
    const clock = await testDeps();
    const t0 = Date.now();
    const account = await createUser();
    const mine = await loginForTokens(clock.at(t0), { ...account, userType: "user", client });
    const other = await loginForTokens(clock.at(t0), { ...account, userType: "user", client });
    const otherCookie = await loginWithCookie(clock.at(t0), { ...account, client });
    const me = await authenticateAccessToken(clock.at(t0), mine.accessToken, "user");
    await revokeOtherSessions(clock.at(t0 + 1000), me);
    // A login authorized before the logout that writes its session only afterwards (unseen by `list`).
    const racing = await startSession(clock.at(t0 + 500), {
      userPublicId: account.publicId,
      userType: "user",
      kind: "token",
      ttlSeconds: 3600,
    });
    const racingToken = await issueSessionToken(clock.at(t0 + 500), "access", racing);

    const later = clock.at(t0 + 2000);
    await expect(authenticateAccessToken(later, mine.accessToken, "user")).resolves.toMatchObject({
      sessionId: me.sessionId,
    });
    await expect(authenticateAccessToken(later, other.accessToken, "user")).rejects.toMatchObject({
      code: "session_revoked",
    });
    await expect(authenticateCookieSession(later, otherCookie.cookieValue)).rejects.toMatchObject({
      code: "invalid_session",
    });
    await expect(authenticateAccessToken(later, racingToken, "user")).rejects.toMatchObject({
      code: "session_revoked",
    });
    const fresh = await loginForTokens(clock.at(t0 + 3000), { ...account, userType: "user", client });
    await expect(authenticateAccessToken(clock.at(t0 + 3000), fresh.accessToken, "user")).resolves.toBeTruthy();
  });
});

describe("log out everywhere else racing a disable", () => {
  it("the disable wins: the caller's own session is refused once the account is disabled in D1", async () => {
    const clock = await testDeps();
    const t0 = Date.now();
    const account = await createUser();
    const mine = await loginForTokens(clock.at(t0), { ...account, userType: "user", client });
    const me = await authenticateAccessToken(clock.at(t0), mine.accessToken, "user");
    // The disable's first write (D1) has landed; its account revocation has not been written yet.
    await setUserStatus(openDatabase(env.DB), account.id, "disabled", new Date(t0 + 500));
    await revokeOtherSessions(clock.at(t0 + 1000), me);
    await expect(authenticateAccessToken(clock.at(t0 + 2000), mine.accessToken, "user")).rejects.toMatchObject({
      code: "session_revoked",
    });
  });
});

describe("re-enabling an account", () => {
  it("keeps every session from before it dead, a racing login's too, and lets later logins in", async () => {
    const clock = await testDeps();
    const t0 = Date.now();
    const account = await createUser();
    const before = await loginForTokens(clock.at(t0), { ...account, userType: "user", client });
    await disableUser(clock.at(t0 + 1000), await adminActor(), account.publicId);
    // A login that read a stale replica (account still active) after the disable.
    const racing = await startSession(clock.at(t0 + 1500), {
      userPublicId: account.publicId,
      userType: "user",
      kind: "token",
      ttlSeconds: 3600,
    });
    const racingToken = await issueSessionToken(clock.at(t0 + 1500), "access", racing);
    const enabled = await enableUser(clock.at(t0 + 2000), await adminActor(), account.publicId);
    expect(enabled.user.status).toBe("active");

    const later = clock.at(t0 + 3000);
    for (const token of [before.accessToken, racingToken]) {
      await expect(authenticateAccessToken(later, token, "user")).rejects.toMatchObject({ code: "session_revoked" });
    }
    await expect(
      refreshAccessToken(later, { refreshToken: before.refreshToken, userType: "user", client }),
    ).rejects.toMatchObject({ code: "session_revoked" });
    const fresh = await loginForTokens(later, { ...account, userType: "user", client });
    await expect(authenticateAccessToken(later, fresh.accessToken, "user")).resolves.toMatchObject({
      userPublicId: account.publicId,
    });
  });
});

describe("changing one's password", () => {
  it("ends a login that read the old hash after the change began, before its write", async () => {
    const clock = await testDeps();
    const t0 = Date.now();
    const account = await createUser();
    const mine = await loginForTokens(clock.at(t0 - 20_000), { ...account, userType: "user", client });
    const me = await authenticateAccessToken(clock.at(t0 - 20_000), mine.accessToken, "user");
    // The change's request starts at t0 - 10 s; a login with the old password starts 5 s later,
    // reads the old hash before the change writes the new one, and writes its session afterwards.
    const racingLogin = clock.at(t0 - 5_000);
    await authenticatePassword(racingLogin, { ...account, userType: "user", client, flow: "token" });
    await changeOwnPassword(clock.at(t0 - 10_000), me, {
      currentPassword: account.password,
      newPassword: "a-brand-new-password",
      client,
    });
    const racing = await startSession(racingLogin, {
      userPublicId: account.publicId,
      userType: "user",
      kind: "token",
      ttlSeconds: 3600,
    });
    const racingToken = await issueSessionToken(racingLogin, "access", racing);
    const later = clock.at(Date.now() + 1000);
    await expect(authenticateAccessToken(later, racingToken, "user")).rejects.toMatchObject({
      code: "session_revoked",
    });
    await expect(authenticateAccessToken(later, mine.accessToken, "user")).resolves.toMatchObject({
      sessionId: me.sessionId,
    });
  });
});

describe("the account check's cost", () => {
  it("a cold check reads the session and the account revocation by key, never `list`; a warm one reads nothing", async () => {
    const clock = await testDeps();
    const t0 = Date.now();
    const account = await createUser();
    const tokens = await loginForTokens(clock.at(t0), { ...account, userType: "user", client });
    const { kv, calls } = countingKv();
    const deps: Deps = { ...clock.at(t0 + 1), kv };
    await authenticateAccessToken(deps, tokens.accessToken, "user");
    expect(calls.sort()).toEqual([
      `get account-revocation:${account.publicId}`,
      expect.stringMatching(new RegExp(`^get session:${account.publicId}:`)),
    ]);
    calls.length = 0;
    await authenticateAccessToken(deps, tokens.accessToken, "user");
    expect(calls).toEqual([]);
  });
});
