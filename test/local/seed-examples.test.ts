import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalGatehouse, startLocalGatehouse } from "../../scripts/lib/local-gatehouse.ts";

/**
 * PingPage's document's own examples, byte for byte but for the host, against a fresh local
 * Gatehouse with the demo data `npm run dev` seeds: a client copied from the document must work
 * from its first call. Then what only a real HTTP request shows: a header's value arrives with the
 * whitespace a client sent around it.
 */

let gatehouse: LocalGatehouse;

beforeAll(async () => {
  gatehouse = await startLocalGatehouse();
});

afterAll(async () => {
  await gatehouse?.stop();
});

function post(path: string, body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${gatehouse.baseUrl}${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body,
  });
}

describe("PingPage's examples on fresh demo data", () => {
  let cookie = "";

  it("register: 201 with the user and a session cookie", async () => {
    const res = await post(
      "/v1/auth/register",
      `{
    "email": "user@example.com",
    "password": "secure_password",
    "name": "John Doe"
  }`,
    );
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ email: "user@example.com", name: "John Doe" });
    expect(res.headers.getSetCookie().some((line) => line.startsWith("session_token="))).toBe(true);
  });

  it("login: 200 with the same user", async () => {
    const res = await post(
      "/v1/auth/login",
      `{
    "email": "user@example.com",
    "password": "secure_password"
  }`,
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ email: "user@example.com", name: "John Doe" });
    cookie = (res.headers.getSetCookie().find((line) => line.startsWith("session_token=")) ?? "").split(";")[0] ?? "";
    expect(cookie).toMatch(/^session_token=.+/);
  });

  it("me, then logout: 200, then 204, and the cookie is dead", async () => {
    const me = await fetch(`${gatehouse.baseUrl}/v1/me`, { headers: { Cookie: cookie } });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ email: "user@example.com" });
    const logout = await fetch(`${gatehouse.baseUrl}/v1/auth/logout`, { method: "POST", headers: { Cookie: cookie } });
    expect(logout.status).toBe(204);
    expect((await fetch(`${gatehouse.baseUrl}/v1/me`, { headers: { Cookie: cookie } })).status).toBe(401);
  });

  it("register again: 409 Email already registered.", async () => {
    const res = await post(
      "/v1/auth/register",
      '{"email": "user@example.com", "password": "secure_password", "name": "John Doe"}',
    );
    expect(res.status).toBe(409);
    expect(await res.text()).toBe("Email already registered.");
  });
});

/** An HTTP/1.1 request sent as given: fetch trims header values before they leave, node:http does not. */
function rawPost(
  path: string,
  headers: Record<string, string>,
  body: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${gatehouse.baseUrl}${path}`, { method: "POST", headers }, (res) => {
      let text = "";
      res.setEncoding("utf8").on("data", (chunk) => {
        text += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on("error", reject).end(body);
  });
}

describe("Ping's User-Type header as it arrives over HTTP", () => {
  it.each(["user ", "user\t"])("%j, with the whitespace around it, logs in and authenticates", async (userType) => {
    const login = await rawPost(
      "/v1/auth/login",
      { "Content-Type": "application/json", "User-Type": userType },
      '{"email": "ursula@example.com", "password": "user-password-1"}',
    );
    expect(login.status).toBe(200);
    const { accessToken } = JSON.parse(login.body) as { accessToken: string };
    const logout = await rawPost(
      "/v1/auth/logout",
      { Authorization: `Bearer ${accessToken}`, "User-Type": userType },
      "",
    );
    expect(logout.status).toBe(204);
  });
});
