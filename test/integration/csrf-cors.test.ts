import { describe, expect, it } from "vitest";
import { countUsersWithEmail, createUser, uniqueEmail } from "../support/accounts";
import { registerUser, sessionCookieValue, sessionSetCookie, withSession } from "../support/cookies";
import { sessionIdsOf } from "../support/sessions";
import { send, sendJson } from "../support/worker";

const DASHBOARD = "https://dashboard.example.com";
const EVIL = "https://evil.example";
const crossSite = (origin = EVIL) => ({ "Sec-Fetch-Site": "cross-site", Origin: origin });

async function expectCrossSiteRefusal(res: Response) {
  expect(res.status).toBe(403);
  expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
  expect(await res.text()).toBe("Cross-site request refused.");
  expect(sessionSetCookie(res)).toBeUndefined();
  expect(res.headers.get("access-control-allow-origin")).toBeNull();
}

describe("cross-site requests cannot use or plant a session cookie", () => {
  it("a cross-site cookie login is refused and starts no session", async () => {
    const user = await createUser();
    const res = await sendJson("/v1/auth/login", "POST", { email: user.email, password: user.password }, crossSite());
    await expectCrossSiteRefusal(res);
    expect(await sessionIdsOf(user.publicId)).toEqual([]);
  });

  it("a cross-site registration is refused and creates no account", async () => {
    const email = uniqueEmail("csrf");
    const res = await sendJson(
      "/v1/auth/register",
      "POST",
      { email, password: "secure_password", name: "Eve" },
      crossSite(),
    );
    await expectCrossSiteRefusal(res);
    expect(await countUsersWithEmail(email)).toBe(0);
  });

  it("a cross-site logout is refused and the session stays live", async () => {
    const user = await registerUser(uniqueEmail("csrf-logout"));
    const res = await send("/v1/auth/logout", { method: "POST", headers: withSession(user.cookie, crossSite()) });
    await expectCrossSiteRefusal(res);
    expect((await send("/v1/me", { headers: withSession(user.cookie) })).status).toBe(200);
  });

  it("a same-site request from a sibling host is refused too", async () => {
    const user = await registerUser(uniqueEmail("csrf-sibling"));
    const res = await send("/v1/auth/logout", {
      method: "POST",
      headers: withSession(user.cookie, { "Sec-Fetch-Site": "same-site", Origin: "https://other.gatehouse.test" }),
    });
    await expectCrossSiteRefusal(res);
    expect((await send("/v1/me", { headers: withSession(user.cookie) })).status).toBe(200);
  });

  it("without Fetch Metadata a foreign Origin is refused and our own accepted", async () => {
    const user = await createUser();
    const body = { email: user.email, password: user.password };
    await expectCrossSiteRefusal(await sendJson("/v1/auth/login", "POST", body, { Origin: EVIL }));
    await expectCrossSiteRefusal(await sendJson("/v1/auth/login", "POST", body, { Origin: "null" }));
    expect(await sessionIdsOf(user.publicId)).toEqual([]);
    const own = await sendJson("/v1/auth/login", "POST", body, { Origin: "https://gatehouse.test" });
    expect(own.status).toBe(200);
  });

  it("a same-origin browser request is accepted", async () => {
    const user = await createUser();
    const res = await sendJson(
      "/v1/auth/login",
      "POST",
      { email: user.email, password: user.password },
      { "Sec-Fetch-Site": "same-origin", Origin: "https://gatehouse.test" },
    );
    expect(res.status).toBe(200);
  });

  it("the configured dashboard origin is accepted cross-site, with credentialed CORS headers", async () => {
    const user = await createUser();
    const res = await sendJson(
      "/v1/auth/login",
      "POST",
      { email: user.email, password: user.password },
      crossSite(DASHBOARD),
    );
    expect(res.status).toBe(200);
    expect(sessionSetCookie(res)).toBeDefined();
    expect(res.headers.get("access-control-allow-origin")).toBe(DASHBOARD);
    expect(res.headers.get("access-control-allow-credentials")).toBe("true");
    expect(res.headers.get("vary")).toMatch(/Origin/);
  });

  it("the token flow on the same path is not subject to the cookie CSRF check", async () => {
    const user = await createUser();
    const res = await sendJson(
      "/v1/auth/login",
      "POST",
      { email: user.email, password: user.password },
      { ...crossSite(), "User-Type": "user" },
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ result: "success" });
  });
});

describe("the cookie comes back to the page that logged in", () => {
  const deviceSetCookie = (res: Response) =>
    res.headers.getSetCookie().find((line) => line.startsWith("gatehouse_device="));

  it.each([
    ["curl or a server (no Origin)", {}],
    ["a page on the gateway's own origin", { "Sec-Fetch-Site": "same-origin", Origin: "https://gatehouse.test" }],
    // No browser sends this pair; whoever does gets no cookie meant for a configured site.
    ["an unconfigured Origin said to be same-origin", { "Sec-Fetch-Site": "same-origin", Origin: "https://evil.test" }],
  ])("%s gets SameSite=Lax, unpartitioned", async (_client, headers: Record<string, string>) => {
    const user = await createUser();
    const res = await sendJson("/v1/auth/login", "POST", { email: user.email, password: user.password }, headers);
    expect(res.status).toBe(200);
    for (const line of [sessionSetCookie(res), deviceSetCookie(res)]) {
      expect(line).toMatch(/; HttpOnly; Secure; SameSite=Lax$/);
      expect(line).not.toContain("Partitioned");
    }
  });

  it("a configured origin on another host gets SameSite=None; Partitioned, at login, register and logout", async () => {
    const user = await createUser();
    const login = await sendJson(
      "/v1/auth/login",
      "POST",
      { email: user.email, password: user.password },
      crossSite(DASHBOARD),
    );
    const register = await sendJson(
      "/v1/auth/register",
      "POST",
      { email: uniqueEmail("partitioned"), password: "secure_password", name: "Jane Doe" },
      crossSite(DASHBOARD),
    );
    expect([login.status, register.status]).toEqual([200, 201]);
    const cookie = sessionCookieValue(login);
    const logout = await send("/v1/auth/logout", {
      method: "POST",
      headers: withSession(cookie, crossSite(DASHBOARD)),
    });
    expect(logout.status).toBe(204);
    for (const line of [sessionSetCookie(login), deviceSetCookie(login), sessionSetCookie(register)]) {
      expect(line).toMatch(/; HttpOnly; Secure; SameSite=None; Partitioned$/);
    }
    expect(sessionSetCookie(logout)).toMatch(
      /^session_token=; Max-Age=0; Path=\/; HttpOnly; Secure; SameSite=None; Partitioned$/,
    );
    expect((await send("/v1/me", { headers: withSession(cookie) })).status).toBe(401);
  });
});

describe("CORS with credentials is for configured origins only", () => {
  const preflight = (origin: string) =>
    send("/v1/auth/login", {
      method: "OPTIONS",
      headers: {
        Origin: origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
      },
    });

  it("an allowed origin's preflight is granted with credentials, never with *", async () => {
    const res = await preflight(DASHBOARD);
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe(DASHBOARD);
    expect(res.headers.get("access-control-allow-credentials")).toBe("true");
    expect(res.headers.get("access-control-allow-methods")).toContain("POST");
    expect(res.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("content-type");
    expect(res.headers.get("vary")).toMatch(/Origin/);
  });

  it("another origin's preflight is granted nothing", async () => {
    const res = await preflight(EVIL);
    expect(res.status).toBe(204);
    for (const header of [
      "access-control-allow-origin",
      "access-control-allow-credentials",
      "access-control-allow-methods",
      "access-control-allow-headers",
    ]) {
      expect(res.headers.get(header), header).toBeNull();
    }
    expect(res.headers.get("vary")).toMatch(/Origin/);
  });

  it("another origin's simple request gets no CORS headers, so its page cannot read the answer", async () => {
    const user = await registerUser(uniqueEmail("cors-read"));
    const res = await send("/v1/me", { headers: withSession(user.cookie, { Origin: EVIL }) });
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    expect(res.headers.get("access-control-allow-credentials")).toBeNull();
  });

  it("an allowed origin can read errors too", async () => {
    const res = await send("/v1/me", { headers: { Origin: DASHBOARD } });
    expect(res.status).toBe(401);
    expect(res.headers.get("access-control-allow-origin")).toBe(DASHBOARD);
    expect(res.headers.get("access-control-allow-credentials")).toBe("true");
  });
});
