import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { parsePasswordHash } from "../../src/crypto/passwords";
import { openDatabase } from "../../src/storage/db";
import { kvKeys } from "../../src/storage/keys";
import { users } from "../../src/storage/schema";
import { createUser, type TestUser } from "../support/accounts";
import { auditRowsFor, sendAs } from "../support/api-keys";
import { cookieLogin } from "../support/cookies";
import { bearerWorks, cookieWorks, refreshWorks } from "../support/sessions";
import { signedInUser, signIn } from "../support/tokens";
import { send, sendJson } from "../support/worker";

/** Re-enabling a disabled user and an admin setting a user's password (`/v1/admin/users/{id}/…`). */

async function userRow(publicId: string) {
  return openDatabase(env.DB).select().from(users).where(eq(users.publicId, publicId)).get();
}

function tokenLogin(account: TestUser, password = account.password, vars: Partial<Cloudflare.Env> = {}) {
  return sendJson(
    "/v1/auth/login",
    "POST",
    { email: account.email, password },
    { "User-Type": account.userType },
    vars,
  );
}

/** A user with a token session and a cookie session, both live. */
async function userWithSessions() {
  const account = await createUser();
  const tokens = await signIn(account);
  const cookie = await cookieLogin(account.email, account.password);
  expect(await bearerWorks(tokens)).toBe(200);
  expect(await cookieWorks(cookie)).toBe(200);
  return { account, tokens, cookie };
}

describe("re-enabling a user", () => {
  it("lets them log in again, while every token and cookie from before the disable stays refused", async () => {
    const admin = await signedInUser("adminuser");
    const { account, tokens, cookie } = await userWithSessions();
    expect((await sendAs(admin, "POST", `/v1/admin/users/${account.publicId}/disable`)).status).toBe(200);

    const res = await sendAs(admin, "POST", `/v1/admin/users/${account.publicId}/enable`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      result: "success",
      user: { public_id: account.publicId, status: "active", businesses: [] },
    });
    expect((await userRow(account.publicId))?.status).toBe("active");

    expect(await bearerWorks(tokens)).toBe(401);
    expect(await refreshWorks(tokens)).toBe(401);
    expect(await cookieWorks(cookie)).toBe(401);

    const fresh = await signIn(account);
    expect(await bearerWorks(fresh)).toBe(200);
    expect(await refreshWorks(fresh)).toBe(200);
    expect(await cookieWorks(await cookieLogin(account.email, account.password))).toBe(200);

    const audit = await auditRowsFor(account.publicId);
    expect(audit.filter((row) => row.action === "user.enable")).toEqual([
      expect.objectContaining({ actorPublicId: admin.publicId, actorType: "adminuser", details: { was: "disabled" } }),
    ]);
  });

  it("enabling an active user is a 200 that changes nothing: their sessions stay live and nothing is audited", async () => {
    const admin = await signedInUser("adminuser");
    const { account, tokens, cookie } = await userWithSessions();
    const before = await userRow(account.publicId);

    const res = await sendAs(admin, "POST", `/v1/admin/users/${account.publicId}/enable`);
    expect(res.status).toBe(200);
    expect((await res.json<{ user: { status: string } }>()).user.status).toBe("active");

    expect(await userRow(account.publicId)).toEqual(before);
    expect(await env.KV.get(kvKeys.accountRevocation(account.publicId))).toBeNull();
    expect(await bearerWorks(tokens)).toBe(200);
    expect(await cookieWorks(cookie)).toBe(200);
    expect((await auditRowsFor(account.publicId)).map((row) => row.action)).not.toContain("user.enable");
  });

  it.each(["user", "agent"] as const)("a %s cannot enable a disabled user (403), who stays disabled", async (type) => {
    const admin = await signedInUser("adminuser");
    const caller = await signedInUser(type);
    const account = await createUser();
    await sendAs(admin, "POST", `/v1/admin/users/${account.publicId}/disable`);

    const res = await sendAs(caller, "POST", `/v1/admin/users/${account.publicId}/enable`);
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ result: "error", code: "insufficient_permission" });
    expect((await userRow(account.publicId))?.status).toBe("disabled");
    expect((await tokenLogin(account)).status).toBe(401);
  });

  it("an unknown user is a 404 and a malformed id a 400, in Ping's error format", async () => {
    const admin = await signedInUser("adminuser");
    const missing = await sendAs(admin, "POST", `/v1/admin/users/${crypto.randomUUID()}/enable`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ result: "error", message: "User not found.", code: "not_found" });
    const malformed = await sendAs(admin, "POST", "/v1/admin/users/not.an.id/enable");
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ code: "invalid_request", message: "Invalid id: not a public id" });
  });
});

describe("an admin setting a user's password", () => {
  const NEW_PASSWORD = "a-new-long-password-1";

  it("ends every session of theirs: the old password stops working, the new one works", async () => {
    const admin = await signedInUser("adminuser");
    const { account, tokens, cookie } = await userWithSessions();

    const res = await sendAs(admin, "POST", `/v1/admin/users/${account.publicId}/password`, {
      password: NEW_PASSWORD,
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({
      result: "success",
      user: { public_id: account.publicId, status: "active" },
    });
    expect(text).not.toContain(NEW_PASSWORD);

    expect(await bearerWorks(tokens)).toBe(401);
    expect(await refreshWorks(tokens)).toBe(401);
    expect(await cookieWorks(cookie)).toBe(401);
    const old = await tokenLogin(account);
    expect(old.status).toBe(401);
    expect(await old.json()).toMatchObject({ code: "invalid_credentials" });
    expect((await tokenLogin(account, NEW_PASSWORD)).status).toBe(200);

    const audit = await auditRowsFor(account.publicId);
    expect(audit.filter((row) => row.action === "user.password_reset")).toEqual([
      expect.objectContaining({
        actorPublicId: admin.publicId,
        details: { user_type: "user", sessions_ended: 2 },
      }),
    ]);
    const everything = JSON.stringify(audit);
    for (const secret of [NEW_PASSWORD, account.password, "pbkdf2"]) expect(everything).not.toContain(secret);
  });

  it("hashes the new password under the current pepper", async () => {
    const admin = await signedInUser("adminuser");
    const account = await createUser();
    const peppers = { PASSWORD_PEPPERS: `new:${"f0".repeat(32)},old:${"0f".repeat(32)}` };
    const res = await sendJson(
      `/v1/admin/users/${account.publicId}/password`,
      "POST",
      { password: NEW_PASSWORD },
      admin.headers,
      peppers,
    );
    expect(res.status).toBe(200);
    const stored = parsePasswordHash((await userRow(account.publicId))?.passwordHash ?? "");
    expect(stored?.pepperId).toBe("new");
    expect((await tokenLogin(account, NEW_PASSWORD, peppers)).status).toBe(200);
  });

  it("may set another admin's password (that admin's tokens end), but not the caller's own", async () => {
    const admin = await signedInUser("adminuser");
    const other = await signedInUser("adminuser");
    const res = await sendAs(admin, "POST", `/v1/admin/users/${other.publicId}/password`, { password: NEW_PASSWORD });
    expect(res.status).toBe(200);
    expect(await bearerWorks(other)).toBe(401);
    expect((await tokenLogin(other, NEW_PASSWORD)).status).toBe(200);

    const self = await sendAs(admin, "POST", `/v1/admin/users/${admin.publicId}/password`, { password: NEW_PASSWORD });
    expect(self.status).toBe(400);
    expect(await self.json()).toEqual({
      result: "error",
      message: "You cannot reset your own password here: change it with POST /v1/me/password.",
      code: "invalid_request",
    });
    expect(await bearerWorks(admin)).toBe(200);
    expect((await tokenLogin(admin)).status).toBe(200);
    expect((await auditRowsFor(admin.publicId)).map((row) => row.action)).not.toContain("user.password_reset");
  });

  it("leaves a disabled user disabled: the new password logs in only once they are enabled", async () => {
    const admin = await signedInUser("adminuser");
    const account = await createUser();
    await sendAs(admin, "POST", `/v1/admin/users/${account.publicId}/disable`);
    const res = await sendAs(admin, "POST", `/v1/admin/users/${account.publicId}/password`, { password: NEW_PASSWORD });
    expect(res.status).toBe(200);
    expect((await res.json<{ user: { status: string } }>()).user.status).toBe("disabled");
    expect((await tokenLogin(account, NEW_PASSWORD)).status).toBe(401);

    await sendAs(admin, "POST", `/v1/admin/users/${account.publicId}/enable`);
    expect((await tokenLogin(account, NEW_PASSWORD)).status).toBe(200);
  });

  it.each([
    ["a password under 12 characters", { password: "eleven-char" }, "Invalid password: must be at least 12 characters"],
    [
      "a password over 1024 characters",
      { password: "p".repeat(1025) },
      "Invalid password: must be at most 1024 characters",
    ],
    ["no password", {}, "Invalid password: is required"],
    ["a password that is not a string", { password: 123456789012 }, "Invalid password: must be a string"],
    ["an unknown field", { password: NEW_PASSWORD, notify: true }, expect.stringContaining("notify")],
  ])("%s is a 400 naming it, and nothing changes", async (_story, body, message) => {
    const admin = await signedInUser("adminuser");
    const { account, tokens } = await userWithSessions();
    const before = await userRow(account.publicId);
    const res = await sendAs(admin, "POST", `/v1/admin/users/${account.publicId}/password`, body);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ result: "error", code: "invalid_request", message });
    expect(await userRow(account.publicId)).toEqual(before);
    expect(await bearerWorks(tokens)).toBe(200);
  });

  it("a body that is not JSON is a 415, and nothing changes", async () => {
    const admin = await signedInUser("adminuser");
    const account = await createUser();
    const before = await userRow(account.publicId);
    const res = await send(`/v1/admin/users/${account.publicId}/password`, {
      method: "POST",
      headers: { ...admin.headers, "Content-Type": "text/plain" },
      body: NEW_PASSWORD,
    });
    expect(res.status).toBe(415);
    expect(await userRow(account.publicId)).toEqual(before);
  });

  it("an unknown user is a 404", async () => {
    const admin = await signedInUser("adminuser");
    const res = await sendAs(admin, "POST", `/v1/admin/users/${crypto.randomUUID()}/password`, {
      password: NEW_PASSWORD,
    });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: "not_found", message: "User not found." });
  });

  it.each(["user", "agent"] as const)("a %s cannot set anyone's password (403), and nothing changes", async (type) => {
    const caller = await signedInUser(type);
    const { account, tokens } = await userWithSessions();
    const before = await userRow(account.publicId);
    const res = await sendAs(caller, "POST", `/v1/admin/users/${account.publicId}/password`, {
      password: NEW_PASSWORD,
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ code: "insufficient_permission" });
    expect(await userRow(account.publicId)).toEqual(before);
    expect(await bearerWorks(tokens)).toBe(200);
  });
});
