import { describe, expect, it } from "vitest";
import { uniqueEmail } from "../support/accounts";
import { registerUser, sessionCookieValue, sessionSetCookie, withSession } from "../support/cookies";
import { send, sendJson } from "../support/worker";

function tokenSession(accessToken: string) {
  return send("/v1/auth/session", { headers: { Authorization: `Bearer ${accessToken}`, "User-Type": "user" } });
}

describe("one login path, two contracts: User-Type selects the token flow", () => {
  it("with User-Type the same path answers Ping's token JSON and sets no cookie", async () => {
    const user = await registerUser(uniqueEmail("shared"));
    const res = await sendJson(
      "/v1/auth/login",
      "POST",
      { email: user.email, password: user.password },
      { "User-Type": "user" },
    );
    expect(res.status).toBe(200);
    expect(sessionSetCookie(res)).toBeUndefined();
    expect(await res.json()).toMatchObject({
      result: "success",
      message: "You have successfully logged in!",
      accessToken: expect.any(String),
      refreshToken: expect.any(String),
      user: { public_id: user.id, email_address: user.email, first_name: "John", last_name: "Doe" },
    });
  });

  it("the token flow's errors stay Ping JSON", async () => {
    const user = await registerUser(uniqueEmail("shared-errors"));
    const res = await sendJson(
      "/v1/auth/login",
      "POST",
      { email: user.email, password: "wrong-password" },
      { "User-Type": "user" },
    );
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      result: "error",
      message: "Invalid email or password.",
      code: "invalid_credentials",
    });
    const unsupported = await send("/v1/auth/login", {
      method: "POST",
      headers: { "User-Type": "user", "Content-Type": "text/plain" },
      body: "{}",
    });
    expect(unsupported.status).toBe(415);
    const logout = await send("/v1/auth/logout", { method: "POST", headers: { Authorization: "Bearer nope" } });
    expect(logout.status).toBe(401);
    expect(await logout.json()).toMatchObject({ result: "error", code: "invalid_token" });
  });

  it("a token login and a cookie login of the same user coexist and end independently", async () => {
    const user = await registerUser(uniqueEmail("coexist"));
    const login = await sendJson(
      "/v1/auth/login",
      "POST",
      { email: user.email, password: user.password },
      { "User-Type": "user" },
    );
    const { accessToken } = await login.json<{ accessToken: string }>();
    expect((await tokenSession(accessToken)).status).toBe(200);
    expect((await send("/v1/me", { headers: withSession(user.cookie) })).status).toBe(200);

    // Ending the cookie session leaves the token session…
    const cookieLogout = await send("/v1/auth/logout", { method: "POST", headers: withSession(user.cookie) });
    expect(cookieLogout.status).toBe(204);
    expect((await send("/v1/me", { headers: withSession(user.cookie) })).status).toBe(401);
    expect((await tokenSession(accessToken)).status).toBe(200);

    // …and ending a token session leaves a cookie session.
    const again = await sendJson("/v1/auth/login", "POST", { email: user.email, password: user.password });
    const cookie = sessionCookieValue(again);
    const tokenLogout = await send("/v1/auth/logout", {
      method: "POST",
      headers: { Authorization: `Bearer ${accessToken}`, "User-Type": "user", Cookie: `session_token=${cookie}` },
    });
    expect(tokenLogout.status).toBe(204);
    expect(sessionSetCookie(tokenLogout)).toBeUndefined();
    expect((await tokenSession(accessToken)).status).toBe(401);
    expect((await send("/v1/me", { headers: withSession(cookie) })).status).toBe(200);
  });

  it("a cookie does not authenticate a bearer-only route, nor a token a cookie route", async () => {
    const user = await registerUser(uniqueEmail("separate"));
    const viaCookie = await send("/v1/auth/session", { headers: withSession(user.cookie, { "User-Type": "user" }) });
    expect(viaCookie.status).toBe(401);
    const login = await sendJson(
      "/v1/auth/login",
      "POST",
      { email: user.email, password: user.password },
      { "User-Type": "user" },
    );
    const { accessToken } = await login.json<{ accessToken: string }>();
    const viaToken = await send("/v1/me", { headers: { Authorization: `Bearer ${accessToken}`, "User-Type": "user" } });
    expect(viaToken.status).toBe(401);
  });
});
