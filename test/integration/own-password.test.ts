import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { parsePasswordHash } from "../../src/crypto/passwords";
import { openDatabase } from "../../src/storage/db";
import { users } from "../../src/storage/schema";
import { setUserStatus } from "../../src/storage/users";
import { createUser, type TestUser, uniqueEmail } from "../support/accounts";
import { auditRowsFor } from "../support/api-keys";
import { randomClientIp } from "../support/client-ip";
import { cookieLogin, registerUser, withSession } from "../support/cookies";
import { hammerUntilLimited, LIMITS } from "../support/rate-limits";
import { bearerWorks, cookieWorks, refreshWorks, sessionIdOfCookie, sessionIdsOf } from "../support/sessions";
import { signIn } from "../support/tokens";
import { send, sendJson } from "../support/worker";

/** `POST /v1/me/password`: a signed-in user changes their own password, by cookie or bearer token. */

const NEW_PASSWORD = "a-brand-new-password";

function changePassword(
  credential: Record<string, string>,
  body: unknown,
  headers: Record<string, string> = {},
  vars: Partial<Cloudflare.Env> = {},
) {
  return sendJson("/v1/me/password", "POST", body, { ...credential, ...headers }, vars);
}

function tokenLogin(
  account: Pick<TestUser, "email" | "password">,
  password = account.password,
  headers: Record<string, string> = {},
  vars: Partial<Cloudflare.Env> = {},
) {
  return sendJson(
    "/v1/auth/login",
    "POST",
    { email: account.email, password },
    { "User-Type": "user", ...headers },
    vars,
  );
}

async function storedHash(publicId: string) {
  const row = await openDatabase(env.DB).select().from(users).where(eq(users.publicId, publicId)).get();
  return row?.passwordHash;
}

/** A user with three sessions: a token one, and two by cookie. */
async function userWithSessions() {
  const account = await createUser();
  const tokens = await signIn(account);
  const laptop = await cookieLogin(account.email, account.password);
  const phone = await cookieLogin(account.email, account.password);
  return { account, tokens, laptop, phone };
}

describe("changing one's own password", () => {
  it("by cookie: this session stays, every other one ends, and only the new password logs in", async () => {
    const { account, tokens, laptop, phone } = await userWithSessions();
    const res = await changePassword(withSession(laptop), {
      current_password: account.password,
      new_password: NEW_PASSWORD,
    });
    expect(res.status).toBe(204);
    expect(await res.text()).toBe("");

    expect(await cookieWorks(laptop)).toBe(200);
    expect(await cookieWorks(phone)).toBe(401);
    expect(await bearerWorks(tokens)).toBe(401);
    expect(await refreshWorks(tokens)).toBe(401);
    expect(await sessionIdsOf(account.publicId)).toEqual([sessionIdOfCookie(laptop)]);

    expect((await tokenLogin(account)).status).toBe(401);
    expect((await tokenLogin(account, NEW_PASSWORD)).status).toBe(200);

    const audit = await auditRowsFor(account.publicId);
    expect(audit.filter((row) => row.action === "auth.password_change")).toEqual([
      expect.objectContaining({
        actorPublicId: account.publicId,
        details: { session_id: sessionIdOfCookie(laptop), sessions_ended: 2 },
      }),
    ]);
    const everything = JSON.stringify(audit);
    for (const secret of [NEW_PASSWORD, account.password, "pbkdf2"]) expect(everything).not.toContain(secret);
  });

  it("by bearer token: its access and refresh tokens keep working, every other session ends", async () => {
    const { account, tokens, laptop, phone } = await userWithSessions();
    const other = await signIn(account);
    const res = await changePassword(tokens.headers, {
      current_password: account.password,
      new_password: NEW_PASSWORD,
    });
    expect(res.status).toBe(204);

    expect(await bearerWorks(tokens)).toBe(200);
    expect(await refreshWorks(tokens)).toBe(200);
    expect(await bearerWorks(other)).toBe(401);
    expect(await refreshWorks(other)).toBe(401);
    expect(await cookieWorks(laptop)).toBe(401);
    expect(await cookieWorks(phone)).toBe(401);
    expect((await tokenLogin(account)).status).toBe(401);
    expect((await tokenLogin(account, NEW_PASSWORD)).status).toBe(200);
  });

  it("works for staff too: an agent changes theirs with its bearer token", async () => {
    const agent = await signIn(await createUser({ userType: "agent" }));
    const res = await changePassword(agent.headers, { current_password: agent.password, new_password: NEW_PASSWORD });
    expect(res.status).toBe(204);
    const login = await tokenLogin(agent, NEW_PASSWORD, { "User-Type": "agent" });
    expect(login.status).toBe(200);
  });

  it("hashes the new password under the current pepper", async () => {
    const account = await createUser();
    const tokens = await signIn(account);
    const peppers = { PASSWORD_PEPPERS: `new:${"f0".repeat(32)},old:${"0f".repeat(32)}` };
    const res = await changePassword(
      tokens.headers,
      { current_password: account.password, new_password: NEW_PASSWORD },
      {},
      peppers,
    );
    expect(res.status).toBe(204);
    expect(parsePasswordHash((await storedHash(account.publicId)) ?? "")?.pepperId).toBe("new");
    expect((await tokenLogin(account, NEW_PASSWORD, {}, peppers)).status).toBe(200);
  });
});

describe("a wrong current password", () => {
  it("is a 403 in each dialect, audited without any password, and changes nothing", async () => {
    const { account, tokens, laptop, phone } = await userWithSessions();
    const hash = await storedHash(account.publicId);
    const sessions = await sessionIdsOf(account.publicId);
    const wrong = { current_password: "not-my-password", new_password: NEW_PASSWORD };

    const byCookie = await changePassword(withSession(laptop), wrong);
    expect(byCookie.status).toBe(403);
    expect(byCookie.headers.get("Content-Type")).toMatch(/^text\/plain/);
    expect(await byCookie.text()).toBe("The current password is incorrect.");
    const byToken = await changePassword(tokens.headers, wrong);
    expect(byToken.status).toBe(403);
    expect(byToken.headers.get("WWW-Authenticate")).toBeNull();
    expect(await byToken.json()).toEqual({
      result: "error",
      message: "The current password is incorrect.",
      code: "invalid_current_password",
    });

    expect(await storedHash(account.publicId)).toBe(hash);
    expect(await sessionIdsOf(account.publicId)).toEqual(sessions);
    expect(await cookieWorks(laptop)).toBe(200);
    expect(await cookieWorks(phone)).toBe(200);
    expect(await bearerWorks(tokens)).toBe(200);
    expect((await tokenLogin(account)).status).toBe(200);
    expect((await tokenLogin(account, NEW_PASSWORD)).status).toBe(401);

    const audit = await auditRowsFor(account.publicId);
    const failures = audit.filter((row) => row.action === "auth.password_change_failed");
    expect(failures).toHaveLength(2);
    expect(failures[0]).toMatchObject({ actorPublicId: account.publicId, details: { reason: "wrong password" } });
    expect(audit.map((row) => row.action)).not.toContain("auth.password_change");
    const everything = JSON.stringify(audit);
    for (const secret of ["not-my-password", NEW_PASSWORD, account.password]) expect(everything).not.toContain(secret);
  });

  it("from one client is stopped by the per-account limit of that IP, which its logins share", async () => {
    const { account, laptop } = await userWithSessions();
    const ip = randomClientIp();
    const fromIp = { "CF-Connecting-IP": ip };
    const { limited } = await hammerUntilLimited(LIMITS.loginAccountIp, (i) =>
      changePassword(withSession(laptop), { current_password: `guess-${i}`, new_password: NEW_PASSWORD }, fromIp),
    );
    expect(limited.headers.get("Retry-After")).toBe("60");
    expect(await limited.text()).toBe("Too many requests. Try again later.");
    // The right password from there waits too, and so does a login to the account.
    const right = await changePassword(
      withSession(laptop),
      { current_password: account.password, new_password: NEW_PASSWORD },
      fromIp,
    );
    expect(right.status).toBe(429);
    expect((await tokenLogin(account, account.password, fromIp)).status).toBe(429);
    expect((await tokenLogin(account)).status).toBe(200);
  });

  it("from many clients spends the account's failure budget: a login from a new device waits too", async () => {
    const account = await createUser();
    const device = (await tokenLogin(account)).headers
      .getSetCookie()
      .find((line) => line.startsWith("gatehouse_device="))
      ?.split(";")[0];
    if (!device) throw new Error("no device cookie");
    const tokens = await signIn(account);
    const hash = await storedHash(account.publicId);
    const { limited } = await hammerUntilLimited(LIMITS.loginAccount, (i) =>
      changePassword(tokens.headers, { current_password: `guess-${i}`, new_password: NEW_PASSWORD }),
    );
    expect(await limited.json()).toMatchObject({ code: "rate_limited" });
    expect((await tokenLogin(account)).status).toBe(429);
    // As at login, the owner's known device is not locked out.
    expect((await tokenLogin(account, account.password, { Cookie: device })).status).toBe(200);
    expect(await storedHash(account.publicId)).toBe(hash);
  });
});

describe("bad requests change nothing", () => {
  it.each([
    ["a new password under 8 characters", { new_password: "seven-7" }, "new_password must be at least 8 characters"],
    [
      "a new password over 128 characters",
      { new_password: "p".repeat(129) },
      "new_password must be at most 128 characters",
    ],
    ["no new password", { new_password: undefined }, "new_password is required"],
    ["a new password that is not a string", { new_password: 12345678 }, "new_password must be a string"],
    ["no current password", { current_password: undefined }, "current_password is required"],
    ["an empty current password", { current_password: "" }, "current_password must not be empty"],
  ])("%s is a 400 naming it, by cookie and by token", async (_story, fields, message) => {
    const { account, tokens, laptop, phone } = await userWithSessions();
    const hash = await storedHash(account.publicId);
    const body = { current_password: account.password, new_password: NEW_PASSWORD, ...fields };

    const byCookie = await changePassword(withSession(laptop), body);
    expect(byCookie.status).toBe(400);
    expect(await byCookie.text()).toBe(message);
    const byToken = await changePassword(tokens.headers, body);
    expect(byToken.status).toBe(400);
    expect(await byToken.json()).toEqual({ result: "error", message, code: "invalid_request" });

    expect(await storedHash(account.publicId)).toBe(hash);
    expect(await cookieWorks(phone)).toBe(200);
  });

  it("a body that is not JSON is a 400 by cookie (PingPage) and a 415 by token (Ping)", async () => {
    const { account, tokens, laptop } = await userWithSessions();
    const hash = await storedHash(account.publicId);
    const form = (credential: Record<string, string>) =>
      send("/v1/me/password", {
        method: "POST",
        headers: { ...credential, "Content-Type": "application/x-www-form-urlencoded" },
        body: `current_password=${account.password}&new_password=${NEW_PASSWORD}`,
      });
    const byCookie = await form(withSession(laptop));
    expect(byCookie.status).toBe(400);
    expect(await byCookie.text()).toBe("Content-Type must be application/json.");
    expect((await form(tokens.headers)).status).toBe(415);
    expect(await storedHash(account.publicId)).toBe(hash);
  });

  it("without a credential it is a 401, and a logged-out token or cookie is refused", async () => {
    const user = await registerUser(uniqueEmail("pw-anon"));
    const body = { current_password: user.password, new_password: NEW_PASSWORD };
    const anonymous = await changePassword({}, body);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.text()).toBe("Authentication is required.");

    const loggedOut = await signIn(await createUser());
    await send("/v1/auth/logout", { method: "POST", headers: loggedOut.headers });
    const token = await changePassword(loggedOut.headers, {
      current_password: loggedOut.password,
      new_password: NEW_PASSWORD,
    });
    expect(token.status).toBe(401);
    expect(token.headers.get("WWW-Authenticate")).toBe('Bearer realm="gatehouse", error="invalid_token"');

    await send("/v1/auth/logout", { method: "POST", headers: withSession(user.cookie) });
    expect((await changePassword(withSession(user.cookie), body)).status).toBe(401);
    expect((await tokenLogin(user)).status).toBe(200);
  });

  it("a cross-site request with the cookie is refused (403), and the password is unchanged", async () => {
    const { account, laptop } = await userWithSessions();
    const hash = await storedHash(account.publicId);
    const res = await changePassword(
      withSession(laptop),
      { current_password: account.password, new_password: NEW_PASSWORD },
      { "Sec-Fetch-Site": "cross-site", Origin: "https://evil.example" },
    );
    expect(res.status).toBe(403);
    expect(await res.text()).toBe("Cross-site request refused.");
    expect(await storedHash(account.publicId)).toBe(hash);
  });

  it("a session whose account was disabled a moment ago (its revocation not yet written) cannot change it", async () => {
    const { account, tokens } = await userWithSessions();
    const hash = await storedHash(account.publicId);
    await setUserStatus(openDatabase(env.DB), account.id, "disabled", new Date());
    const res = await changePassword(tokens.headers, {
      current_password: account.password,
      new_password: NEW_PASSWORD,
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: "session_revoked" });
    expect(await storedHash(account.publicId)).toBe(hash);
  });
});
