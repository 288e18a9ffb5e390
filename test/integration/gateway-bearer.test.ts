import { env } from "cloudflare:workers";
import { decodeJwt, generateKeyPair, SignJWT } from "jose";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { signJwt } from "../../src/crypto/jwt";
import { loadSigningKeys } from "../../src/crypto/signing-keys";
import { type Echo, echoOf, stubOrigins } from "../support/origins";
import { type SignedIn, signedInUser } from "../support/tokens";
import { send } from "../support/worker";

let origins: ReturnType<typeof stubOrigins>;
beforeEach(() => {
  origins = stubOrigins();
});
afterEach(() => {
  vi.restoreAllMocks();
});

async function expectRefused(res: Response, status: number, error: string, challenge: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get("Content-Type")).toBe("application/json");
  expect(res.headers.get("WWW-Authenticate")).toBe(challenge);
  const body = (await res.json()) as { error: string; message: string };
  expect(body.error).toBe(error);
  expect(JSON.stringify(body)).not.toMatch(/stack|at .*\.ts/);
  expect(origins.reached).toHaveLength(0);
}

const INVALID = 'Bearer realm="gatehouse", error="invalid_token"';

describe("a Ping client with an access token, through the gateway", () => {
  let alice: SignedIn;
  beforeAll(async () => {
    alice = await signedInUser("user");
  });

  it("reaches a service-bound origin, which learns who it is and nothing it should not", async () => {
    const res = await send("/v1/get/businesses?limit=5&sort=name", { headers: alice.headers });
    const echo = await echoOf(res);
    const claims = decodeJwt(alice.accessToken);
    expect(echo).toMatchObject({ method: "GET", path: "/v1/get/businesses", query: "?limit=5&sort=name" });
    expect(echo.headers).toMatchObject({
      "x-auth-method": "jwt",
      "x-auth-user-id": alice.publicId,
      "x-auth-user-type": "user",
      "x-auth-session-id": claims.session_id,
      "x-request-id": res.headers.get("X-Request-Id"),
      "user-type": "user",
    });
    expect(echo.headers["x-auth-assertion"]).toMatch(/^eyJ/);
    expect(echo.headers.authorization).toBeUndefined();
    for (const name of ["x-auth-key-id", "x-auth-tenant-id", "x-auth-permissions", "x-auth-mode"]) {
      expect(echo.headers[name]).toBeUndefined();
    }
  });

  it("reaches a URL origin with method, path, query and body unchanged, and gets its response back untouched", async () => {
    const body = JSON.stringify({ to_phone: "+263771234567", message: "Your OTP is 123456" });
    const res = await send("/origin/orders/7?expand=items&x=%20y", {
      method: "PATCH",
      headers: { ...alice.headers, "Content-Type": "application/json" },
      body,
    });
    expect(res.status).toBe(201);
    expect(res.statusText).toBe("Made");
    expect(res.headers.get("Cache-Control")).toBe("public, max-age=60");
    // Each Set-Cookie stays its own line: folding them into one would break both cookies.
    expect(res.headers.getSetCookie()).toEqual(["origin_pref=dark; Path=/", "origin_lang=en; Path=/; HttpOnly"]);
    expect(res.headers.get("X-Origin")).toBe("yes");
    expect(res.headers.get("Keep-Alive")).toBeNull();
    // Gatehouse's own security headers are for its own responses, not the origin's.
    expect(res.headers.get("X-Frame-Options")).toBeNull();
    expect(res.headers.get("X-Request-Id")).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );

    const echo = (await res.json()) as Echo;
    expect(echo).toMatchObject({ method: "PATCH", path: "/base/origin/orders/7", query: "?expand=items&x=%20y" });
    expect(echo.bodyBytes).toBe(body.length);
    expect(echo.headers["content-type"]).toBe("application/json");
    expect(origins.reached.map((request) => request.url)).toEqual([
      "https://origin.test/base/origin/orders/7?expand=items&x=%20y",
    ]);
    expect(origins.reached[0]?.redirect).toBe("manual");
  });

  it("passes HEAD and DELETE through as they are", async () => {
    const head = await send("/origin/orders/7", { method: "HEAD", headers: alice.headers });
    expect(head.status).toBe(201);
    expect(await head.text()).toBe("");
    const del = await send("/origin/orders/7", { method: "DELETE", headers: alice.headers });
    expect(((await del.json()) as Echo).method).toBe("DELETE");
    expect(origins.reached.map((request) => request.method)).toEqual(["HEAD", "DELETE"]);
  });

  it("is turned away (403) from a route for another user type, with an RFC 6750 insufficient_scope", async () => {
    const agent = await signedInUser("agent");
    const res = await send("/v1/get/businesses", { headers: agent.headers });
    expect(res.status).toBe(403);
    expect(res.headers.get("WWW-Authenticate")).toBe('Bearer realm="gatehouse", error="insufficient_scope"');
    expect(await res.json()).toMatchObject({ error: "insufficient_permission", reason: "user_type_not_allowed" });
  });

  it("of any user type reaches a route that allows them all", async () => {
    const admin = await signedInUser("adminuser");
    const echo = await echoOf(await send("/origin/x", { headers: admin.headers }));
    expect(echo.headers["x-auth-user-type"]).toBe("adminuser");
  });

  it("is refused once logged out, and the origin never hears of it", async () => {
    const bob = await signedInUser("user");
    expect((await send("/origin/x", { headers: bob.headers })).status).toBe(201);
    origins.reached.length = 0;
    const logout = await send("/v1/auth/logout", { method: "POST", headers: bob.headers });
    expect(logout.status).toBe(204);
    await expectRefused(await send("/origin/x", { headers: bob.headers }), 401, "session_revoked", INVALID);
  });
});

describe("requests the gateway refuses before any origin sees them", () => {
  let alice: SignedIn;
  beforeAll(async () => {
    alice = await signedInUser("user");
  });

  it("no credential at all: 401 with a bare Bearer challenge (RFC 6750 §3.1)", async () => {
    await expectRefused(await send("/origin/x"), 401, "missing_credentials", 'Bearer realm="gatehouse"');
  });

  it("an API key or a session cookie where only bearer tokens are accepted", async () => {
    const withKey = await send("/origin/x", { headers: { "X-Ping-Api-Key": "sk_live_fake_sms" } });
    await expectRefused(withKey, 401, "missing_credentials", 'Bearer realm="gatehouse"');
    const withCookie = await send("/origin/x", { headers: { Cookie: "session_token=cookie-user" } });
    await expectRefused(withCookie, 401, "missing_credentials", 'Bearer realm="gatehouse"');
  });

  it("the scheme in any case (RFC 9110 §11.1)", async () => {
    for (const scheme of ["bearer", "BEARER", "bEaReR"]) {
      const headers = { Authorization: `${scheme} ${alice.accessToken}`, "User-Type": "user" };
      expect((await send("/origin/x", { headers })).status, scheme).toBe(201);
    }
  });

  it("an Authorization header that is not a bearer token", async () => {
    for (const authorization of ["Basic dXNlcjpwYXNz", "Bearer", "Bearer a b", `bearer  ${alice.accessToken} x`]) {
      const res = await send("/origin/x", { headers: { Authorization: authorization, "User-Type": "user" } });
      await expectRefused(res, 401, "invalid_token", INVALID);
    }
  });

  it("a token with another or an unknown User-Type", async () => {
    for (const userType of ["agent", "root", ""]) {
      const headers = { Authorization: `Bearer ${alice.accessToken}`, "User-Type": userType };
      await expectRefused(await send("/origin/x", { headers }), 401, "invalid_token", INVALID);
    }
  });

  it("a token without its User-Type is told that User-Type is missing (still 401)", async () => {
    const res = await send("/origin/x", { headers: { Authorization: `Bearer ${alice.accessToken}` } });
    const body = (await res.clone().json()) as { message: string };
    await expectRefused(res, 401, "missing_user_type", INVALID);
    expect(body.message).toBe("A bearer token must be sent with its User-Type header.");
  });

  it("a token with a tampered payload or signature", async () => {
    const [header, payload, signature] = alice.accessToken.split(".") as [string, string, string];
    const other = await signedInUser("user");
    const swapped = `${header}.${other.accessToken.split(".")[1]}.${signature}`;
    const flipped = `${header}.${payload}.${signature.startsWith("A") ? "B" : "A"}${signature.slice(1)}`;
    for (const token of [swapped, flipped]) {
      const res = await send("/origin/x", { headers: { Authorization: `Bearer ${token}`, "User-Type": "user" } });
      await expectRefused(res, 401, "invalid_token", INVALID);
    }
  });

  it("a token signed by someone else's key under our kid, or with alg none", async () => {
    const keys = await loadSigningKeys(env.SIGNING_KEYS);
    const claims = decodeJwt(alice.accessToken);
    const { privateKey } = await generateKeyPair("ES256");
    const forged = await new SignJWT(claims)
      .setProtectedHeader({ alg: "ES256", kid: keys.signer.kid, typ: "at+jwt" })
      .sign(privateKey);
    const none = `${btoa(JSON.stringify({ alg: "none", kid: keys.signer.kid, typ: "at+jwt" })).replace(/=+$/, "")}.${alice.accessToken.split(".")[1]}.`;
    for (const token of [forged, none]) {
      const res = await send("/origin/x", { headers: { Authorization: `Bearer ${token}`, "User-Type": "user" } });
      await expectRefused(res, 401, "invalid_token", INVALID);
    }
  });

  it("a refresh token presented as an access token", async () => {
    const res = await send("/origin/x", {
      headers: { Authorization: `Bearer ${alice.refreshToken}`, "User-Type": "user" },
    });
    await expectRefused(res, 401, "invalid_token", INVALID);
  });

  it("an expired access token", async () => {
    const keys = await loadSigningKeys(env.SIGNING_KEYS);
    const claims = decodeJwt(alice.accessToken);
    const expired = await signJwt(
      keys,
      { public_id: claims.public_id, session_id: claims.session_id, user_type: "user" },
      {
        typ: "at+jwt",
        issuer: env.ISSUER,
        audience: env.TOKEN_AUDIENCE,
        ttlSeconds: 60,
        now: new Date(Date.now() - 3_600_000),
        jti: "expired-jti",
        subject: String(claims.public_id),
      },
    );
    const res = await send("/origin/x", { headers: { Authorization: `Bearer ${expired}`, "User-Type": "user" } });
    await expectRefused(res, 401, "invalid_token", INVALID);
  });

  it("a method the path does not serve: 405 with Allow", async () => {
    const res = await send("/v1/get/businesses", { method: "DELETE", headers: alice.headers });
    expect(res.status).toBe(405);
    expect(res.headers.get("Allow")).toBe("GET, POST");
    expect(await res.json()).toMatchObject({ error: "method_not_allowed" });
  });

  it("a path no route covers: 404 in the gateway's JSON", async () => {
    const res = await send("/v2/nothing/here", { headers: alice.headers });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: "not_found", message: "Not found." });
    expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
    expect(origins.reached).toHaveLength(0);
  });
});
