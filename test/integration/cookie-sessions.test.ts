import { describe, expect, it } from "vitest";
import { countUsersWithEmail, createUser, uniqueEmail } from "../support/accounts";
import { cookieLogin, registerUser, sessionCookieValue, sessionSetCookie, withSession } from "../support/cookies";
import { sessionIdOfCookie, sessionIdsOf } from "../support/sessions";
import { send, sendJson } from "../support/worker";

const ISO_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const COOKIE_ATTRIBUTES = "; Max-Age=2592000; Path=/; HttpOnly; Secure; SameSite=Lax";

describe("PingPage cookie sessions: the seed's flows", () => {
  it("a new user registers, sees their profile, logs out, and is then unknown", async () => {
    const email = uniqueEmail("seed");
    const register = await sendJson("/v1/auth/register", "POST", {
      email,
      password: "secure_password",
      name: "John Doe",
    });
    expect(register.status).toBe(201);
    expect(register.headers.get("content-type")).toMatch(/^application\/json/);
    const user = await register.json<Record<string, unknown>>();
    expect(Object.keys(user).sort()).toEqual(["created_at", "email", "id", "name", "updated_at"]);
    expect(user).toMatchObject({ email, name: "John Doe" });
    expect(user.created_at).toMatch(ISO_SECONDS);
    expect(user.updated_at).toMatch(ISO_SECONDS);
    const cookie = sessionCookieValue(register);
    expect(sessionSetCookie(register)).toBe(`session_token=${cookie}${COOKIE_ATTRIBUTES}`);
    expect(cookie).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);

    const me = await send("/v1/me", { headers: withSession(cookie) });
    expect(me.status).toBe(200);
    expect(await me.json()).toEqual(user);

    const logout = await send("/v1/auth/logout", { method: "POST", headers: withSession(cookie) });
    expect(logout.status).toBe(204);
    expect(sessionSetCookie(logout)).toMatch(/^session_token=; Max-Age=0; Path=\/; HttpOnly; Secure; SameSite=Lax/);
    expect(await sessionIdsOf(user.id as string)).toEqual([]);

    // The old cookie is dead server-side, not merely forgotten by the browser.
    const after = await send("/v1/me", { headers: withSession(cookie) });
    expect(after.status).toBe(401);
    expect(after.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(await after.text()).toBe("The session is invalid or has expired.");
  });

  it("an existing user logs in without User-Type and gets the user JSON and a cookie", async () => {
    const account = await createUser({ firstName: "Ursula" });
    const res = await sendJson("/v1/auth/login", "POST", { email: account.email, password: account.password });
    expect(res.status).toBe(200);
    const user = await res.json();
    expect(user).toEqual({
      id: account.publicId,
      email: account.email,
      name: "Ursula Person",
      created_at: expect.stringMatching(ISO_SECONDS),
      updated_at: expect.stringMatching(ISO_SECONDS),
    });
    const cookie = sessionCookieValue(res);
    expect(sessionSetCookie(res)).toBe(`session_token=${cookie}${COOKIE_ATTRIBUTES}`);
    const me = await send("/v1/me", { headers: withSession(cookie) });
    expect(await me.json()).toEqual(user);
  });

  it("a wrong password, an unknown email and a staff account all get the same plain-text 401 and no cookie", async () => {
    const account = await createUser();
    const admin = await createUser({ userType: "adminuser" });
    const attempts = [
      { email: account.email, password: "not-the-password" },
      { email: uniqueEmail("nobody"), password: "whatever-password" },
      { email: admin.email, password: admin.password },
    ];
    for (const attempt of attempts) {
      const res = await sendJson("/v1/auth/login", "POST", attempt);
      expect(res.status).toBe(401);
      expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
      expect(await res.text()).toBe("Invalid email or password.");
      expect(sessionSetCookie(res)).toBeUndefined();
    }
    expect(await sessionIdsOf(account.publicId)).toEqual([]);
    expect(await sessionIdsOf(admin.publicId)).toEqual([]);
  });

  it("logging in with the email in another case works", async () => {
    const registered = await registerUser(uniqueEmail("Case"));
    await cookieLogin(registered.email.toUpperCase(), registered.password);
  });

  it("registration keeps the email as typed and splits the name", async () => {
    const email = uniqueEmail("Mixed.Case");
    const res = await sendJson("/v1/auth/register", "POST", {
      email: `  ${email} `,
      password: "secure_password",
      name: " Cher ",
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ email, name: "Cher" });
  });

  it("an email already registered is 409, also when it differs only in case, and no second row appears", async () => {
    const email = uniqueEmail("dup");
    const first = await registerUser(email);
    for (const again of [email, email.toUpperCase(), ` ${email.replace(/^d/, "D")}`]) {
      const res = await sendJson("/v1/auth/register", "POST", {
        email: again,
        password: "another_password",
        name: "Jane",
      });
      expect(res.status).toBe(409);
      expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
      expect(await res.text()).toBe("Email already registered.");
      expect(sessionSetCookie(res)).toBeUndefined();
    }
    expect(await countUsersWithEmail(email)).toBe(1);
    // The first account is untouched: its password and session still work.
    expect((await send("/v1/me", { headers: withSession(first.cookie) })).status).toBe(200);
    await cookieLogin(email, first.password);
  });

  it("each login starts its own session; logging out of one leaves the other", async () => {
    const user = await registerUser(uniqueEmail("two"));
    const second = await cookieLogin(user.email, user.password);
    expect(sessionIdOfCookie(second)).not.toBe(sessionIdOfCookie(user.cookie));
    const logout = await send("/v1/auth/logout", { method: "POST", headers: withSession(second) });
    expect(logout.status).toBe(204);
    expect((await send("/v1/me", { headers: withSession(second) })).status).toBe(401);
    expect((await send("/v1/me", { headers: withSession(user.cookie) })).status).toBe(200);
  });

  it("a secret that opened one session never opens another, however recently it was accepted", async () => {
    const user = await registerUser(uniqueEmail("swap"));
    const second = await cookieLogin(user.email, user.password);
    for (const cookie of [user.cookie, second]) {
      expect((await send("/v1/me", { headers: withSession(cookie) })).status).toBe(200);
    }
    const [userPublicId, firstSessionId] = user.cookie.split(".");
    const secondSecret = second.split(".")[2];
    const swapped = `${userPublicId}.${firstSessionId}.${secondSecret}`;
    expect((await send("/v1/me", { headers: withSession(swapped) })).status).toBe(401);
  });
});

describe("PingPage logout is idempotent", () => {
  it("logout without a cookie is 204 and clears the cookie", async () => {
    const res = await send("/v1/auth/logout", { method: "POST" });
    expect(res.status).toBe(204);
    expect(sessionSetCookie(res)).toMatch(/^session_token=; Max-Age=0;/);
  });

  it("logout with a dead, malformed or forged cookie is 204 and ends nobody's session", async () => {
    const user = await registerUser(uniqueEmail("idem"));
    const [userPublicId, sessionId, secret] = user.cookie.split(".");
    const before = await sessionIdsOf(user.id);
    const tampered = `${userPublicId}.${sessionId}.${secret?.slice(0, -1)}${secret?.endsWith("A") ? "B" : "A"}`;
    for (const cookie of ["garbage", tampered, `${userPublicId}.${"x".repeat(22)}.${secret}`]) {
      const res = await send("/v1/auth/logout", { method: "POST", headers: withSession(cookie) });
      expect(res.status).toBe(204);
      expect(sessionSetCookie(res)).toMatch(/^session_token=; Max-Age=0;/);
    }
    expect(await sessionIdsOf(user.id)).toEqual(before);
    expect((await send("/v1/me", { headers: withSession(user.cookie) })).status).toBe(200);

    await send("/v1/auth/logout", { method: "POST", headers: withSession(user.cookie) });
    const again = await send("/v1/auth/logout", { method: "POST", headers: withSession(user.cookie) });
    expect(again.status).toBe(204);
  });
});
