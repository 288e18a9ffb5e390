import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, type JWK, jwtVerify, UnsecuredJWT } from "jose";
import { describe, expect, it } from "vitest";
import { hashPassword, parsePasswordHash } from "../../src/crypto/passwords";
import type { UserType } from "../../src/domain";
import { readConfig } from "../../src/env";
import { AppError } from "../../src/errors";
import { authenticatePassword } from "../../src/services/auth/password-login";
import { openDatabase } from "../../src/storage/db";
import { kvKeys } from "../../src/storage/keys";
import { users } from "../../src/storage/schema";
import { findUserByPublicId, updatePasswordHash } from "../../src/storage/users";
import { createUser, type TestUser, uniqueEmail } from "../support/accounts";
import { testDeps } from "../support/deps";
import { sessionIdsOf } from "../support/sessions";
import { send, sendJson } from "../support/worker";

/** Ping token login as a client sees it: login, use, refresh, log out — and every way to get it wrong. */

const config = readConfig(env);
const db = openDatabase(env.DB);
const THIRTY_DAYS = 30 * 24 * 3600;
const ONE_HUNDRED_EIGHTY_DAYS = 180 * 24 * 3600;
const INVALID_CREDENTIALS = { result: "error", message: "Invalid email or password.", code: "invalid_credentials" };
const INVALID_TOKEN_CHALLENGE = 'Bearer realm="gatehouse", error="invalid_token"';

interface LoginBody {
  result: string;
  message: string;
  accessToken: string;
  refreshToken: string;
  user: Record<string, unknown>;
  businesses: Array<Record<string, unknown>>;
}

function login(email: string, password: string, userType: string): Promise<Response> {
  return sendJson("/v1/auth/login", "POST", { email, password }, { "User-Type": userType });
}

async function loginAs(user: TestUser): Promise<LoginBody> {
  const res = await login(user.email, user.password, user.userType);
  const body = (await res.json()) as LoginBody;
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body;
}

function bearer(token: string, userType: string): Record<string, string> {
  return { Authorization: `Bearer ${token}`, "User-Type": userType };
}

const getSession = (token: string, userType: string) => send("/v1/auth/session", { headers: bearer(token, userType) });
const refresh = (refreshToken: string, userType: string) =>
  sendJson("/v1/auth/refresh", "POST", { refreshToken, userType });
const logout = (token: string, userType: string) =>
  send("/v1/auth/logout", { method: "POST", headers: bearer(token, userType) });

/** Error bodies never carry back what the client sent as a secret. */
function expectNoEcho(text: string, ...secrets: string[]) {
  for (const secret of secrets) expect(text).not.toContain(secret);
}

describe("logging in", () => {
  it.each<UserType>(["user", "adminuser", "agent"])("a %s logs in and gets the seed's response shape", async (type) => {
    const user = await createUser({ userType: type, businessNames: ["Acme Corp", "Beta Ltd"] });
    const res = await login(user.email, user.password, type);
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toMatch(/^application\/json/);
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    const body = (await res.json()) as LoginBody;
    expect(Object.keys(body).sort()).toEqual([
      "accessToken",
      "businesses",
      "message",
      "refreshToken",
      "result",
      "user",
    ]);
    expect(body).toMatchObject({ result: "success", message: "You have successfully logged in!" });
    expect(body.user).toEqual({
      public_id: user.publicId,
      first_name: "Test",
      last_name: "Person",
      email_address: user.email,
      phone_number: "+263771234567",
    });
    expect(body.businesses).toEqual([
      { id: user.businessIds[0], public_id: expect.any(String), name: "Acme Corp", status: "verified" },
      { id: user.businessIds[1], public_id: expect.any(String), name: "Beta Ltd", status: "verified" },
    ]);
    expect(await sessionIdsOf(user.publicId)).toHaveLength(1);
  });

  it("a user in no business gets an empty list", async () => {
    const user = await createUser();
    expect((await loginAs(user)).businesses).toEqual([]);
  });

  it("the email is matched case-insensitively and around whitespace", async () => {
    const user = await createUser();
    const res = await login(`  ${user.email.toUpperCase()} `, user.password, "user");
    expect(res.status).toBe(200);
  });

  it("the tokens carry the session's claims with 30-day and 180-day lifetimes", async () => {
    const user = await createUser({ userType: "agent" });
    const { accessToken, refreshToken } = await loginAs(user);
    const access = decodeJwt(accessToken);
    const refreshClaims = decodeJwt(refreshToken);
    const [sessionId] = await sessionIdsOf(user.publicId);
    for (const claims of [access, refreshClaims]) {
      expect(claims).toMatchObject({
        public_id: user.publicId,
        session_id: sessionId,
        user_type: "agent",
        iss: env.ISSUER,
        aud: env.TOKEN_AUDIENCE,
      });
      expect(claims.jti).toEqual(expect.any(String));
      expect(claims.iat).toEqual(expect.any(Number));
    }
    expect((access.exp ?? 0) - (access.iat ?? 0)).toBe(THIRTY_DAYS);
    expect((refreshClaims.exp ?? 0) - (refreshClaims.iat ?? 0)).toBe(ONE_HUNDRED_EIGHTY_DAYS);
    expect(access.jti).not.toBe(refreshClaims.jti);
    expect(decodeProtectedHeader(accessToken).typ).toBe("at+jwt");
    expect(decodeProtectedHeader(refreshToken).typ).toBe("rt+jwt");
  });

  it("a wrong password, an unknown email, a wrong user type and a disabled account get one and the same 401", async () => {
    const user = await createUser();
    const disabled = await createUser();
    await db.update(users).set({ status: "disabled" }).where(eq(users.id, disabled.id));
    const attempts = [
      await login(user.email, "not-the-password", "user"),
      await login(uniqueEmail("nobody"), user.password, "user"),
      await login(user.email, user.password, "adminuser"),
      await login(user.email, user.password, "agent"),
      await login(disabled.email, disabled.password, "user"),
    ];
    const answers = await Promise.all(
      attempts.map(async (res) => ({
        status: res.status,
        challenge: res.headers.get("WWW-Authenticate"),
        body: await res.text(),
      })),
    );
    for (const answer of answers) {
      expect(answer).toEqual(answers[0]);
      expectNoEcho(answer.body, user.password, "not-the-password", user.email);
    }
    expect(answers[0]?.status).toBe(401);
    expect(JSON.parse(answers[0]?.body ?? "")).toEqual(INVALID_CREDENTIALS);
    expect(await sessionIdsOf(user.publicId)).toEqual([]);
    expect(await sessionIdsOf(disabled.publicId)).toEqual([]);
  });

  it.each(["root", "User", "ADMINUSER", ""])("an unknown User-Type %j is a 400 in Ping JSON", async (userType) => {
    const user = await createUser();
    const res = await login(user.email, user.password, userType);
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({
      result: "error",
      code: expect.stringMatching(/invalid_(request|user_type)/),
    });
    expectNoEcho(text, user.password);
    expect(await sessionIdsOf(user.publicId)).toEqual([]);
  });
});

describe("malformed login requests change nothing", () => {
  const postLogin = (body: BodyInit, contentType = "application/json") =>
    send("/v1/auth/login", { method: "POST", headers: { "Content-Type": contentType, "User-Type": "user" }, body });

  async function expectPingError(res: Response, status: number, code: string) {
    expect(res.status).toBe(status);
    expect(res.headers.get("Content-Type")).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ result: "error", message: expect.any(String), code });
  }

  it("malformed JSON is a 400", async () => {
    await expectPingError(await postLogin('{"email": "a@example.com", "password": '), 400, "malformed_json");
  });

  it("a body that is not a JSON object is a 400", async () => {
    await expectPingError(await postLogin('["a@example.com", "pw"]'), 400, "invalid_request");
  });

  it.each([
    ["no password", { email: "a@example.com" }],
    ["no email", { password: "secret-password-123" }],
    ["nothing", {}],
    ["a numeric email", { email: 42, password: "secret-password-123" }],
    ["an empty password", { email: "a@example.com", password: "" }],
  ])("a body with %s is a 400 that does not echo the password", async (_name, body) => {
    const res = await postLogin(JSON.stringify(body));
    const text = await res.clone().text();
    await expectPingError(res, 400, "invalid_request");
    expectNoEcho(text, "secret-password-123");
  });

  it("valid credentials sent as another content type are a 415 and start no session", async () => {
    const user = await createUser();
    const body = JSON.stringify({ email: user.email, password: user.password });
    await expectPingError(await postLogin(body, "text/plain"), 415, "unsupported_media_type");
    await expectPingError(await postLogin(body, "application/x-www-form-urlencoded"), 415, "unsupported_media_type");
    expect(await sessionIdsOf(user.publicId)).toEqual([]);
  });

  it.each([
    "application/json",
    "Application/JSON",
    "application/json; charset=utf-8",
    'application/json;charset="UTF-8"',
  ])("%s is JSON", async (contentType) => {
    const user = await createUser();
    const body = JSON.stringify({ email: user.email, password: user.password });
    expect((await postLogin(body, contentType)).status).toBe(200);
  });

  it.each(["application/json ; charset=utf-8", "application/json; charset=latin1"])(
    "%o is a 415 that says what to send, never a bare 400",
    async (contentType) => {
      const user = await createUser();
      const body = JSON.stringify({ email: user.email, password: user.password });
      await expectPingError(await postLogin(body, contentType), 415, "unsupported_media_type");
    },
  );

  it("valid credentials in an oversized body are a 413 and start no session, declared or streamed", async () => {
    const user = await createUser();
    const oversized = JSON.stringify({
      email: user.email,
      password: user.password,
      pad: "x".repeat(config.maxBodyBytes),
    });
    await expectPingError(await postLogin(oversized), 413, "payload_too_large");
    const encoder = new TextEncoder();
    const streamed = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let offset = 0; offset < oversized.length; offset += 1024) {
          controller.enqueue(encoder.encode(oversized.slice(offset, offset + 1024)));
        }
        controller.close();
      },
    });
    await expectPingError(await postLogin(streamed), 413, "payload_too_large");
    expect(await sessionIdsOf(user.publicId)).toEqual([]);
  });
});

describe("a field of the wrong type is named with its rule, in words", () => {
  it.each([
    [{ refreshToken: 42, userType: "user" }, "Invalid refreshToken: must be a string"],
    [{ userType: "user" }, "Invalid refreshToken: is required"],
    [{ refreshToken: ["a"], userType: "user" }, "Invalid refreshToken: must be a string"],
  ])("refresh with %j: %s", async (body, message) => {
    const res = await sendJson("/v1/auth/refresh", "POST", body);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ result: "error", message, code: "invalid_request" });
  });
});

describe("refreshing", () => {
  it("a refresh token buys a new access token for the same session, and it works", async () => {
    const user = await createUser({ userType: "adminuser" });
    const { accessToken, refreshToken } = await loginAs(user);
    const res = await refresh(refreshToken, "adminuser");
    expect(res.status).toBe(200);
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    const body = (await res.json()) as { result: string; accessToken: string };
    expect(Object.keys(body).sort()).toEqual(["accessToken", "result"]);
    expect(body.result).toBe("success");
    const renewed = decodeJwt(body.accessToken);
    expect(renewed.session_id).toBe(decodeJwt(accessToken).session_id);
    expect(renewed.jti).not.toBe(decodeJwt(accessToken).jti);
    expect((renewed.exp ?? 0) - (renewed.iat ?? 0)).toBe(THIRTY_DAYS);

    const session = await getSession(body.accessToken, "adminuser");
    expect(session.status).toBe(200);
    expect(await session.json()).toEqual({
      result: "success",
      session: { session_id: renewed.session_id, public_id: user.publicId, user_type: "adminuser", auth_method: "jwt" },
    });
  });

  it.each([
    ["another user type", async (t: { refreshToken: string }) => [t.refreshToken, "agent"]],
    ["the access token", async (t: { accessToken: string }) => [t.accessToken, "user"]],
    ["a tampered token", async (t: { refreshToken: string }) => [tamper(t.refreshToken), "user"]],
    ["garbage", async () => ["not.a.token", "user"]],
  ])("refreshing with %s is a 401 that does not echo the token", async (_name, pick) => {
    const user = await createUser();
    const tokens = await loginAs(user);
    const [token, userType] = await pick(tokens);
    const res = await refresh(token ?? "", userType ?? "");
    expect(res.status).toBe(401);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({
      result: "error",
      message: "The token is invalid or has expired.",
      code: "invalid_token",
    });
    expectNoEcho(text, token ?? "", tokens.refreshToken, tokens.accessToken);
    // The real refresh token still works: a refused attempt changed nothing.
    expect((await refresh(tokens.refreshToken, "user")).status).toBe(200);
  });

  it.each([
    ["no userType", (t: string) => ({ refreshToken: t })],
    ["an unknown userType", (t: string) => ({ refreshToken: t, userType: "root" })],
    ["no refreshToken", () => ({ userType: "user" })],
    ["a refreshToken over 4096 characters", (t: string) => ({ refreshToken: t + "A".repeat(4096), userType: "user" })],
  ])("a refresh request with %s is a 400", async (_name, bodyOf) => {
    const { refreshToken } = await loginAs(await createUser());
    const res = await sendJson("/v1/auth/refresh", "POST", bodyOf(refreshToken));
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({ result: "error", code: "invalid_request" });
    expectNoEcho(text, refreshToken);
  });
});

describe("logging out", () => {
  it("ends the session: the access token gets 401 with an invalid_token challenge and the refresh token is refused", async () => {
    const user = await createUser();
    const { accessToken, refreshToken } = await loginAs(user);
    const [sessionId] = await sessionIdsOf(user.publicId);
    expect((await getSession(accessToken, "user")).status).toBe(200);

    const res = await logout(accessToken, "user");
    expect(res.status).toBe(204);
    expect(await res.text()).toBe("");
    expect(await env.KV.get(kvKeys.session(user.publicId, sessionId ?? ""))).toBeNull();

    const after = await getSession(accessToken, "user");
    expect(after.status).toBe(401);
    expect(after.headers.get("WWW-Authenticate")).toBe(INVALID_TOKEN_CHALLENGE);
    const text = await after.text();
    expect(JSON.parse(text)).toMatchObject({ result: "error", message: "The token is invalid or has expired." });
    expectNoEcho(text, accessToken);
    expect((await refresh(refreshToken, "user")).status).toBe(401);
    expect((await logout(accessToken, "user")).status).toBe(401);
  });

  it("a second login's session is unaffected by the first one's logout", async () => {
    const user = await createUser();
    const first = await loginAs(user);
    const second = await loginAs(user);
    expect(await sessionIdsOf(user.publicId)).toHaveLength(2);
    expect((await logout(first.accessToken, "user")).status).toBe(204);
    expect((await getSession(second.accessToken, "user")).status).toBe(200);
    expect((await refresh(second.refreshToken, "user")).status).toBe(200);
    expect(await sessionIdsOf(user.publicId)).toEqual([decodeJwt(second.accessToken).session_id]);
  });

  it("logging out with another user type's header is refused and ends nothing", async () => {
    const user = await createUser();
    const { accessToken } = await loginAs(user);
    expect((await logout(accessToken, "adminuser")).status).toBe(401);
    expect((await getSession(accessToken, "user")).status).toBe(200);
  });
});

describe("authenticating with a bearer token", () => {
  it('a request without Authorization gets 401 with a bare `Bearer realm="gatehouse"` challenge', async () => {
    const res = await send("/v1/auth/session", { headers: { "User-Type": "user" } });
    expect(res.status).toBe(401);
    expect(res.headers.get("WWW-Authenticate")).toBe('Bearer realm="gatehouse"');
    expect(await res.json()).toMatchObject({ result: "error", code: "missing_credentials" });
  });

  it.each([
    ["another user type", (t: string) => bearer(t, "adminuser")],
    ["an unknown User-Type", (t: string) => bearer(t, "root")],
    ["the Basic scheme", (t: string) => ({ Authorization: `Basic ${t}`, "User-Type": "user" })],
    ["a tampered token", (t: string) => bearer(tamper(t), "user")],
    ["the refresh token", (_t: string, r: string) => bearer(r, "user")],
    ["its claims re-sent unsigned (alg none)", (t: string) => bearer(new UnsecuredJWT(decodeJwt(t)).encode(), "user")],
  ])("an access token presented with %s is a 401 invalid_token", async (_name, headersOf) => {
    const { accessToken, refreshToken } = await loginAs(await createUser());
    const res = await send("/v1/auth/session", { headers: headersOf(accessToken, refreshToken) });
    expect(res.status).toBe(401);
    expect(res.headers.get("WWW-Authenticate")).toBe(INVALID_TOKEN_CHALLENGE);
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({ result: "error", code: "invalid_token" });
    expectNoEcho(text, accessToken, refreshToken);
  });
});

describe("a bearer token without its User-Type", () => {
  it("is a 401 that says User-Type is missing, with the invalid_token challenge", async () => {
    const { accessToken, refreshToken } = await loginAs(await createUser());
    const res = await send("/v1/auth/session", { headers: { Authorization: `Bearer ${accessToken}` } });
    expect(res.status).toBe(401);
    expect(res.headers.get("WWW-Authenticate")).toBe(INVALID_TOKEN_CHALLENGE);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({
      result: "error",
      message: "A bearer token must be sent with its User-Type header.",
      code: "missing_user_type",
    });
    expectNoEcho(text, accessToken, refreshToken);
  });
});

describe("public documents", () => {
  it("the JWKS publishes every signing key's public half with a cache lifetime", async () => {
    const res = await send("/.well-known/jwks.json");
    expect(res.status).toBe(200);
    const cacheControl = res.headers.get("Cache-Control") ?? "";
    expect(cacheControl).toMatch(/\bpublic\b/);
    expect(Number(/max-age=(\d+)/.exec(cacheControl)?.[1])).toBeGreaterThan(0);
    expect(cacheControl).not.toMatch(/no-store/);
    const jwks = (await res.json()) as { keys: JWK[] };
    const secret = JSON.parse(env.SIGNING_KEYS) as { keys: JWK[] };
    expect(jwks.keys.map((k) => k.kid)).toEqual(secret.keys.map((k) => k.kid));
    for (const key of jwks.keys) {
      expect(Object.keys(key)).not.toContain("d");
      expect(key).toMatchObject({ use: "sig", kid: expect.any(String), alg: expect.stringMatching(/^(ES256|EdDSA)$/) });
    }
  });

  it("a relying party verifies a login's access token with the published JWKS", async () => {
    const { accessToken } = await loginAs(await createUser());
    const jwks = (await (await send("/.well-known/jwks.json")).json()) as { keys: JWK[] };
    const { payload } = await jwtVerify(accessToken, createLocalJWKSet(jwks), {
      issuer: env.ISSUER,
      audience: env.TOKEN_AUDIENCE,
      typ: "at+jwt",
    });
    expect(payload.user_type).toBe("user");
  });

  it("/openapi.json documents the token login routes", async () => {
    const res = await send("/openapi.json");
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths["/v1/auth/login"] ?? {})).toContain("post");
    expect(Object.keys(doc.paths["/v1/auth/refresh"] ?? {})).toContain("post");
    expect(Object.keys(doc.paths["/v1/auth/logout"] ?? {})).toContain("post");
    expect(Object.keys(doc.paths["/v1/auth/session"] ?? {})).toContain("get");
    expect(Object.keys(doc.paths["/.well-known/jwks.json"] ?? {})).toContain("get");
  });

  it("an unknown route is a JSON 404", async () => {
    const res = await send("/v1/no-such-route");
    expect(res.status).toBe(404);
    expect(res.headers.get("Content-Type")).toMatch(/^application\/json/);
    expect(await res.json()).toMatchObject({ message: "Not found." });
  });
});

describe("upgrading a stored password hash", () => {
  const attempt = { client: { ip: "192.0.2.10" }, flow: "token" as const };

  async function userWithWeakHash() {
    const user = await createUser();
    const weak = await hashPassword(user.password, { iterations: 1_000, pepper: config.passwordPepper });
    await updatePasswordHash(db, user.id, weak, new Date());
    return { user, weak };
  }

  it("a user whose stored hash has fewer iterations still logs in through the worker", async () => {
    const { user } = await userWithWeakHash();
    expect((await login(user.email, user.password, "user")).status).toBe(200);
  });

  it("a successful login rehashes with the current iterations, and the new hash works", async () => {
    const { user, weak } = await userWithWeakHash();
    const clock = await testDeps();
    const deps = clock.at(Date.now());
    await authenticatePassword(deps, { email: user.email, password: user.password, userType: "user", ...attempt });
    expect(clock.deferredCount()).toBe(1);
    expect(await clock.settle()).toEqual([]);
    const stored = (await findUserByPublicId(db, user.publicId))?.passwordHash ?? "";
    expect(stored).not.toBe(weak);
    expect(parsePasswordHash(stored)?.iterations).toBe(config.pbkdf2Iterations);
    expect((await login(user.email, user.password, "user")).status).toBe(200);
  });

  it("a failed login leaves the old hash alone", async () => {
    const { user, weak } = await userWithWeakHash();
    const clock = await testDeps();
    const deps = clock.at(Date.now());
    await expect(
      authenticatePassword(deps, { email: user.email, password: "wrong", userType: "user", ...attempt }),
    ).rejects.toThrow(AppError);
    await expect(
      authenticatePassword(deps, { email: user.email, password: user.password, userType: "agent", ...attempt }),
    ).rejects.toThrow(AppError);
    // What is deferred is the two failures' audit rows, never a rehash.
    expect(await clock.settle()).toEqual([]);
    expect((await findUserByPublicId(db, user.publicId))?.passwordHash).toBe(weak);
  });
});

/** Flips one character in the middle of the payload: still well-formed, no longer what we signed. */
function tamper(token: string): string {
  const [header, payload, signature] = token.split(".");
  const middle = Math.floor((payload ?? "").length / 2);
  const original = payload?.[middle] ?? "A";
  const replaced = original === "A" ? "B" : "A";
  return `${header}.${payload?.slice(0, middle)}${replaced}${payload?.slice(middle + 1)}.${signature}`;
}
