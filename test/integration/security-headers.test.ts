import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { handleError } from "../../src/http/errors";
import { createRouter } from "../../src/http/router";
import { init } from "../../src/middleware/init";
import { CONTENT_SECURITY_POLICY, securityHeaders } from "../../src/middleware/security-headers";
import { createUser } from "../support/accounts";
import { createKey, sendAs, signedInOwner } from "../support/api-keys";
import { send, sendJson } from "../support/worker";

/** What every response Gatehouse writes tells browsers and caches. */

function expectOwnHeaders(res: Response) {
  expect(res.headers.get("Content-Security-Policy")).toBe(CONTENT_SECURITY_POLICY);
  expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
  expect(res.headers.get("X-Frame-Options")).toBe("DENY");
  expect(res.headers.get("Referrer-Policy")).toBe("no-referrer");
}

function expectPrivate(res: Response) {
  expect(res.headers.get("Cache-Control")).toBe("no-store");
  const vary = (res.headers.get("Vary") ?? "").split(",").map((name) => name.trim().toLowerCase());
  expect(vary).toEqual(expect.arrayContaining(["origin", "cookie", "authorization", "user-type", "x-ping-api-key"]));
  expect(new Set(vary).size).toBe(vary.length);
}

describe("security headers", () => {
  it("a token login's answer is never stored and varies on the credentials", async () => {
    const user = await createUser();
    const res = await sendJson(
      "/v1/auth/login",
      "POST",
      { email: user.email, password: user.password },
      { "User-Type": "user" },
    );
    expect(res.status).toBe(200);
    expectOwnHeaders(res);
    expectPrivate(res);

    const { refreshToken } = await res.json<{ refreshToken: string }>();
    const refreshed = await sendJson("/v1/auth/refresh", "POST", { refreshToken, userType: "user" });
    expect(refreshed.status).toBe(200);
    expectPrivate(refreshed);
  });

  it("a cookie login, a new API key and an error are private too", async () => {
    const user = await createUser();
    const cookieLogin = await sendJson("/v1/auth/login", "POST", { email: user.email, password: user.password });
    expect(cookieLogin.status).toBe(200);
    expectOwnHeaders(cookieLogin);
    expectPrivate(cookieLogin);

    const owner = await signedInOwner();
    const created = await sendAs(owner, "POST", "/v1/api-keys", {
      business_id: owner.businessPublicId,
      name: "headers",
      kind: "secret",
      mode: "test",
      permissions: [],
    });
    expect(created.status).toBe(201);
    expectPrivate(created);
    const { api_key } = await createKey(owner);
    const rolled = await sendAs(owner, "POST", `/v1/api-keys/${api_key.id}/roll`);
    expect(rolled.status).toBe(201);
    expectPrivate(rolled);

    const refused = await send("/v1/me");
    expect(refused.status).toBe(401);
    expectOwnHeaders(refused);
    expectPrivate(refused);
  });

  it("an allowed dashboard origin keeps its CORS Vary, once", async () => {
    const res = await send("/v1/me", { headers: { Origin: "https://dashboard.example.com" } });
    const vary = (res.headers.get("Vary") ?? "").split(",").map((name) => name.trim().toLowerCase());
    expect(vary.filter((name) => name === "origin")).toHaveLength(1);
  });

  it("the JWKS is public and cacheable, the same for everyone", async () => {
    const res = await send("/.well-known/jwks.json");
    expectOwnHeaders(res);
    expect(res.headers.get("Cache-Control")).toMatch(/^public/);
    expect(res.headers.get("Vary")).toBeNull();
  });

  it("a response proxied from an upstream keeps the upstream's headers", async () => {
    const app = createRouter();
    app.use("*", init, securityHeaders);
    app.get("/proxied", (c) => {
      c.set("forwarded", true);
      return new Response("<html></html>", { headers: { "Content-Type": "text/html", "Cache-Control": "max-age=60" } });
    });
    app.onError(handleError);
    const res = await app.fetch(new Request("https://gatehouse.test/proxied"), env, createExecutionContext());
    expect(res.headers.get("Content-Security-Policy")).toBeNull();
    expect(res.headers.get("Cache-Control")).toBe("max-age=60");
    expect(res.headers.get("Vary")).toBeNull();
  });
});
