import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { sha256Base64url } from "../../src/crypto/digest";
import { openDatabase } from "../../src/storage/db";
import { auditEvents } from "../../src/storage/schema";
import { createUser, uniqueEmail } from "../support/accounts";
import { randomClientIp } from "../support/client-ip";
import { sessionCookieValue, withSession } from "../support/cookies";
import { send, sendJson } from "../support/worker";

/** Sign-ins leave a trail an admin can read: who, from where, how — never a password or an email. */

const db = () => openDatabase(env.DB);

async function rowsFrom(ip: string) {
  return db().select().from(auditEvents).where(eq(auditEvents.ip, ip)).orderBy(auditEvents.id);
}

function from(ip: string, headers: Record<string, string> = {}) {
  return { "CF-Connecting-IP": ip, "User-Agent": "audit-story/1.0", ...headers };
}

describe("the sign-in audit trail", () => {
  it("a token login, refresh and logout are each recorded with the user, IP and user agent", async () => {
    const user = await createUser();
    const ip = randomClientIp();
    const login = await sendJson(
      "/v1/auth/login",
      "POST",
      { email: user.email, password: user.password },
      from(ip, { "User-Type": "user" }),
    );
    const { accessToken, refreshToken } = await login.json<{ accessToken: string; refreshToken: string }>();
    await sendJson("/v1/auth/refresh", "POST", { refreshToken, userType: "user" }, from(ip));
    await send("/v1/auth/logout", {
      method: "POST",
      headers: from(ip, { Authorization: `Bearer ${accessToken}`, "User-Type": "user" }),
    });

    const rows = await rowsFrom(ip);
    expect(rows.map((row) => row.action)).toEqual(["auth.login", "auth.refresh", "auth.logout"]);
    for (const row of rows) {
      expect(row).toMatchObject({ actorPublicId: user.publicId, actorType: "user", target: user.publicId });
      expect(row.userAgent).toBe("audit-story/1.0");
    }
    expect(rows[0]?.details).toMatchObject({ flow: "token" });
    const text = JSON.stringify(rows);
    expect(text).not.toContain(user.password);
    expect(text).not.toContain(user.email);
    expect(text).not.toContain(refreshToken);
  });

  it("a cookie login and logout are recorded too", async () => {
    const user = await createUser();
    const ip = randomClientIp();
    const login = await sendJson("/v1/auth/login", "POST", { email: user.email, password: user.password }, from(ip));
    const cookie = sessionCookieValue(login);
    await send("/v1/auth/logout", { method: "POST", headers: from(ip, withSession(cookie)) });

    const rows = await rowsFrom(ip);
    expect(rows.map((row) => row.action)).toEqual(["auth.login", "auth.logout"]);
    expect(rows[0]).toMatchObject({ actorType: "user", actorPublicId: user.publicId, details: { flow: "cookie" } });
    expect(JSON.stringify(rows)).not.toContain(cookie.split(".")[2]);
  });

  it("a wrong password is recorded against the account, anonymously, with the email only as a hash", async () => {
    const user = await createUser();
    const ip = randomClientIp();
    const res = await sendJson(
      "/v1/auth/login",
      "POST",
      { email: user.email.toUpperCase(), password: "not-the-password" },
      from(ip, { "User-Type": "user" }),
    );
    expect(res.status).toBe(401);
    const [row] = await rowsFrom(ip);
    expect(row).toMatchObject({
      action: "auth.login_failed",
      actorType: "anonymous",
      actorPublicId: null,
      target: user.publicId,
      details: { flow: "token", reason: "wrong password", email_sha256: await sha256Base64url(user.email) },
    });
    expect(JSON.stringify(row)).not.toContain("not-the-password");
    expect(JSON.stringify(row).toLowerCase()).not.toContain(user.email.toLowerCase());
  });

  it("a login for an email nobody has is recorded without naming any account", async () => {
    const ip = randomClientIp();
    const ghost = uniqueEmail("ghost");
    await sendJson("/v1/auth/login", "POST", { email: ghost, password: "whatever-1" }, from(ip));
    const [row] = await rowsFrom(ip);
    expect(row).toMatchObject({
      action: "auth.login_failed",
      target: null,
      details: { flow: "cookie", reason: "unknown email", email_sha256: await sha256Base64url(ghost) },
    });
  });

  it("refused API keys are too frequent to audit, and are not", async () => {
    const ip = randomClientIp();
    const res = await send("/v1/auth/api-key", { headers: from(ip, { "X-Ping-Api-Key": "sk_test_nope" }) });
    expect(res.status).toBe(401);
    expect(await rowsFrom(ip)).toEqual([]);
  });
});
