import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { sha256Base64url } from "../../src/crypto/digest";
import { randomId, randomToken } from "../../src/crypto/random";
import { putSession } from "../../src/storage/session-store";
import { uniqueEmail } from "../support/accounts";
import { registerUser, withSession } from "../support/cookies";
import { sessionIdOfCookie, sessionIdsOf } from "../support/sessions";
import { send, sendJson } from "../support/worker";

/** `/v1/me` refuses the cookie with the generic plain-text 401. */
async function expectRefused(cookieHeader: string | undefined, message = "The session is invalid or has expired.") {
  const res = await send("/v1/me", { headers: cookieHeader === undefined ? {} : { Cookie: cookieHeader } });
  expect(res.status, cookieHeader).toBe(401);
  expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
  expect(res.headers.get("www-authenticate")).toMatch(/^Session realm="gatehouse"/);
  expect(await res.text()).toBe(message);
}

function flipLastChar(text: string): string {
  return `${text.slice(0, -1)}${text.endsWith("A") ? "B" : "A"}`;
}

describe("a session cookie that does not prove a live session gets 401 and changes nothing", () => {
  it("no cookie at all", async () => {
    await expectRefused(undefined, "Authentication is required.");
    await expectRefused("other=1", "Authentication is required.");
  });

  it("a tampered secret, even by one character", async () => {
    const user = await registerUser(uniqueEmail("tamper"));
    const before = await sessionIdsOf(user.id);
    await expectRefused(`session_token=${flipLastChar(user.cookie)}`);
    expect(await sessionIdsOf(user.id)).toEqual(before);
    expect((await send("/v1/me", { headers: withSession(user.cookie) })).status).toBe(200);
  });

  it("a forged cookie: a real user, a made-up session and secret", async () => {
    const user = await registerUser(uniqueEmail("forge"));
    await expectRefused(`session_token=${user.id}.${randomId()}.${randomToken(32)}`);
  });

  it("a real session's secret under another user's id", async () => {
    const alice = await registerUser(uniqueEmail("alice"));
    const bob = await registerUser(uniqueEmail("bob"));
    const [, sessionId, secret] = alice.cookie.split(".");
    await expectRefused(`session_token=${bob.id}.${sessionId}.${secret}`);
  });

  it("a malformed value: wrong shape, extra parts, foreign characters, over-long ids", async () => {
    const user = await registerUser(uniqueEmail("malformed"));
    const [id, sessionId, secret] = user.cookie.split(".");
    const malformed = [
      "garbage",
      `${id}.${sessionId}`,
      `${id}.${sessionId}.${secret}.extra`,
      `${id}.${sessionId}.${secret}x`,
      `${id}.${sessionId?.slice(1)}.${secret}`,
      `${id}:x.${sessionId}.${secret}`,
      `${"a".repeat(65)}.${sessionId}.${secret}`,
      `..`,
      `%00${user.cookie}`,
      `"${id}.${sessionId}"`,
    ];
    for (const value of malformed) await expectRefused(`session_token=${value}`);
    // An empty cookie is a credential that proves nothing, here as at the gateway.
    await expectRefused("session_token=");
  });

  it("an expired session, although KV still holds its record", async () => {
    const user = await registerUser(uniqueEmail("expired"));
    const secret = randomToken(32);
    const nowMs = Date.now();
    const id = randomId();
    await putSession(
      env.KV,
      {
        id,
        userPublicId: user.id,
        userType: "user",
        kind: "cookie",
        createdAt: nowMs - 31 * 24 * 3600 * 1000,
        expiresAt: nowMs - 1000,
        secretHash: await sha256Base64url(secret),
      },
      nowMs,
    );
    await expectRefused(`session_token=${user.id}.${id}.${secret}`);
  });

  it("a revoked session", async () => {
    const user = await registerUser(uniqueEmail("revoked"));
    const logout = await send("/v1/auth/logout", { method: "POST", headers: withSession(user.cookie) });
    expect(logout.status).toBe(204);
    await expectRefused(`session_token=${user.cookie}`);
  });

  it("a token session's id dressed up as a cookie", async () => {
    const user = await registerUser(uniqueEmail("token-as-cookie"));
    const login = await sendJson(
      "/v1/auth/login",
      "POST",
      { email: user.email, password: user.password },
      { "User-Type": "user" },
    );
    expect(login.status).toBe(200);
    const tokenSessionId = (await sessionIdsOf(user.id)).find((id) => id !== sessionIdOfCookie(user.cookie));
    expect(tokenSessionId).toBeDefined();
    await expectRefused(`session_token=${user.id}.${tokenSessionId}.${randomToken(32)}`);
  });
});
