import { describe, expect, it } from "vitest";
import { isAmbiguousPath } from "../../src/http/path-safety";
import { echoOf } from "../support/origins";
import { send, sendJson } from "../support/worker";

/** Each would match `/v1/public/*` yet could name `/v1/get/x` (or another path) to an origin. */
const REFUSED = [
  "/v1/public/..%2Fget/x",
  "/v1/public/..%2fget/x",
  "/v1/public/..%5Cget/x",
  "/v1/public/..%5cget/x",
  "/v1/public/..%252Fget/x",
  "/v1/public/..%25252fget/x",
  "/v1/public/..;/get/x",
  "/v1/public/x;jsessionid=1",
  "/v1/public/..\\get/x",
  "/v1/public/%2e%2e%252fget/x",
  "/v1/public/%252e%252e/get/x",
  "/v1/public/%25252e/x",
  "/v1/auth/login;x",
  "/v1/me%2F",
  "/v1/public//x",
  "/v1//get/x",
  "//v1/get/x",
  "/v2//auth/token",
  // An escape that is not UTF-8 leaves the deeper layers to be examined all the same.
  "/v1/public/%ff/..%252fget/x",
  "/v1/public/%25/%252e%252e/%252e%252e/get/x",
  "/v1/public/%c0/%252e%252e/get/x",
  // A path end, a NUL or a decoder's own encodings one layer down.
  "/v1/public/x%253F/preview",
  "/v1/public/x%2523y",
  "/v1/public/..%00",
  "/v1/public/%2e%2e%09",
  "/v1/public/%u002e%u002e/get/x",
  "/v1/public/%c0%ae%c0%ae/get/x",
  "/v1/public/x%7f",
];

/** A raw `\` is turned into `/` (and the `..` resolved) by the URL parser before we see it. */
const KEPT_BY_URL_PARSER = REFUSED.filter((path) => new URL(path, "https://gatehouse.test").pathname === path);

describe("a path an origin could read differently", () => {
  it.each(REFUSED)("is recognised: %s", (path) => {
    expect(isAmbiguousPath(path)).toBe(true);
  });

  it.each(KEPT_BY_URL_PARSER)("is refused with 400 before any route matches: %s", async (path) => {
    const res = await send(path);
    expect(res.status).toBe(400);
    expect(res.headers.get("X-Demo-Upstream")).toBeNull();
    expect(await res.json()).toMatchObject({ error: "ambiguous_path" });
  });

  it("is refused on own routes too, in the gateway dialect (no route has matched yet)", async () => {
    const res = await sendJson("/v1/auth/login;x", "POST", { email: "a@example.com", password: "x" });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "ambiguous_path" });
  });
});

describe("a legitimate path", () => {
  it.each([
    "/v1/public/x",
    "/v1/public/a%20b",
    "/v1/public/caf%C3%A9/%41",
    "/v1/public/..x/.hidden/x..",
    "/v1/public/100%25",
    "/v1/public/%zz",
    "/v1/public/%ff%fe/x",
    "/v1/public/what%3F",
    "/v1/public/50%25off",
  ])("still reaches the origin verbatim: %s", async (path) => {
    expect(isAmbiguousPath(path)).toBe(false);
    const echo = await echoOf(await send(path));
    expect(echo.path).toBe(path);
  });

  it("to an own seed route still works", async () => {
    expect((await send("/.well-known/jwks.json")).status).toBe(200);
    expect((await send("/v1/me")).status).toBe(401);
    expect(
      (await sendJson("/v1/auth/login", "POST", { email: "nobody@example.com", password: "wrong-password" })).status,
    ).toBe(401);
  });
});
