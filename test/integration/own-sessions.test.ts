import { describe, expect, it } from "vitest";
import { uniqueEmail } from "../support/accounts";
import { cookieLogin, registerUser, sessionSetCookie, withSession } from "../support/cookies";
import { sessionIdOfCookie, sessionIdsOf } from "../support/sessions";
import { send, sendJson } from "../support/worker";

interface OwnSession {
  id: string;
  kind: "token" | "cookie";
  created_at: string;
  expires_at: string;
  user_agent: string | null;
  ip: string | null;
  current: boolean;
}

async function listSessions(cookie: string): Promise<OwnSession[]> {
  const res = await send("/v1/me/sessions", { headers: withSession(cookie) });
  expect(res.status).toBe(200);
  return (await res.json<{ sessions: OwnSession[] }>()).sessions;
}

async function tokenLogin(email: string, password: string): Promise<{ accessToken: string }> {
  const res = await sendJson("/v1/auth/login", "POST", { email, password }, { "User-Type": "user" });
  expect(res.status).toBe(200);
  return res.json();
}

function deleteSession(cookie: string, id: string, headers: Record<string, string> = {}) {
  return send(`/v1/me/sessions/${id}`, { method: "DELETE", headers: withSession(cookie, headers) });
}

describe("a user's own sessions", () => {
  it("lists every live session, cookie and token, marking the current one", async () => {
    const user = await registerUser(uniqueEmail("list"));
    const laptop = await cookieLogin(user.email, user.password, {
      "User-Agent": "Laptop Browser/1.0",
      "CF-Connecting-IP": "203.0.113.7",
    });
    await tokenLogin(user.email, user.password);

    const sessions = await listSessions(laptop);
    expect(sessions).toHaveLength(3);
    expect(sessions.map((s) => s.kind).sort()).toEqual(["cookie", "cookie", "token"]);
    expect(sessions.filter((s) => s.current).map((s) => s.id)).toEqual([sessionIdOfCookie(laptop)]);
    const current = sessions.find((s) => s.current);
    expect(current).toMatchObject({ user_agent: "Laptop Browser/1.0", ip: "203.0.113.7" });
    const thirtyDays = 30 * 24 * 3600 * 1000;
    if (!current) throw new Error("no current session");
    expect(Date.parse(current.expires_at) - Date.parse(current.created_at)).toBe(thirtyDays);
    // Nothing secret is listed.
    expect(JSON.stringify(sessions)).not.toContain(laptop.split(".")[2]);
  });

  it("needs a session cookie", async () => {
    const res = await send("/v1/me/sessions");
    expect(res.status).toBe(401);
    expect(await res.text()).toBe("Authentication is required.");
  });

  it("revoking one session ends exactly that one", async () => {
    const user = await registerUser(uniqueEmail("revoke-one"));
    const phone = await cookieLogin(user.email, user.password);
    const res = await deleteSession(user.cookie, sessionIdOfCookie(phone));
    expect(res.status).toBe(204);
    expect(sessionSetCookie(res)).toBeUndefined();
    expect((await send("/v1/me", { headers: withSession(phone) })).status).toBe(401);
    expect((await send("/v1/me", { headers: withSession(user.cookie) })).status).toBe(200);
    expect(await sessionIdsOf(user.id)).toEqual([sessionIdOfCookie(user.cookie)]);
  });

  it("revoking the current session also clears its cookie", async () => {
    const user = await registerUser(uniqueEmail("revoke-self"));
    const res = await deleteSession(user.cookie, sessionIdOfCookie(user.cookie));
    expect(res.status).toBe(204);
    expect(sessionSetCookie(res)).toMatch(/^session_token=; Max-Age=0;/);
    expect((await send("/v1/me", { headers: withSession(user.cookie) })).status).toBe(401);
  });

  it("another user's session is not found and stays live", async () => {
    const alice = await registerUser(uniqueEmail("alice"));
    const mallory = await registerUser(uniqueEmail("mallory"));
    const res = await deleteSession(mallory.cookie, sessionIdOfCookie(alice.cookie));
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    expect((await send("/v1/me", { headers: withSession(alice.cookie) })).status).toBe(200);
  });

  it("an unknown or malformed session id changes nothing", async () => {
    const user = await registerUser(uniqueEmail("revoke-bad"));
    const before = await sessionIdsOf(user.id);
    expect((await deleteSession(user.cookie, "A".repeat(22))).status).toBe(404);
    const malformed = await deleteSession(user.cookie, "not-an-id");
    expect(malformed.status).toBe(400);
    expect(await malformed.text()).toBe("id is not a session id");
    expect(await sessionIdsOf(user.id)).toEqual(before);
  });

  it("revoking all others ends every other session, token sessions included, and keeps this one", async () => {
    const user = await registerUser(uniqueEmail("revoke-others"));
    const phone = await cookieLogin(user.email, user.password);
    const { accessToken } = await tokenLogin(user.email, user.password);

    const res = await send("/v1/me/sessions", { method: "DELETE", headers: withSession(user.cookie) });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ revoked: 2 });

    expect((await send("/v1/me", { headers: withSession(phone) })).status).toBe(401);
    const tokenUse = await send("/v1/auth/session", {
      headers: { Authorization: `Bearer ${accessToken}`, "User-Type": "user" },
    });
    expect(tokenUse.status).toBe(401);
    expect(await listSessions(user.cookie)).toEqual([expect.objectContaining({ current: true })]);
  });

  it("cross-site revocation is refused and nothing ends", async () => {
    const user = await registerUser(uniqueEmail("revoke-csrf"));
    const phone = await cookieLogin(user.email, user.password);
    const before = await sessionIdsOf(user.id);
    const crossSite = { "Sec-Fetch-Site": "cross-site", Origin: "https://evil.example" };
    expect((await deleteSession(user.cookie, sessionIdOfCookie(phone), crossSite)).status).toBe(403);
    const all = await send("/v1/me/sessions", { method: "DELETE", headers: withSession(user.cookie, crossSite) });
    expect(all.status).toBe(403);
    expect(await sessionIdsOf(user.id)).toEqual(before);
  });
});
