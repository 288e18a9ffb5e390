import { exports } from "cloudflare:workers";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { withClientIp } from "../support/client-ip";
import { type Echo, echoOf, stubOrigins } from "../support/origins";
import { type SignedIn, signedInUser } from "../support/tokens";
import { BASE_URL, send } from "../support/worker";

let origins: ReturnType<typeof stubOrigins>;
beforeEach(() => {
  origins = stubOrigins();
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** Identity a client might try to claim for itself, in every spelling origins are known to fold together. */
const SPOOFED: Array<[string, string]> = [
  ["X-Auth-User-Id", "spoofed-1"],
  ["x-auth-user-id", "spoofed-2"],
  ["X-AUTH-USER-TYPE", "spoofed-3"],
  ["X_Auth_User_Id", "spoofed-4"],
  ["x_auth_method", "spoofed-5"],
  ["X-Auth_Permissions", "spoofed-6"],
  ["X-Auth-Mode", "spoofed-7"],
  ["X-Auth-Assertion", "spoofed-8"],
  ["X-Auth-Tenant-Id", "spoofed-9"],
  ["X-Auth-Key-Id", "spoofed-10"],
  ["X-Auth-Session-Id", "spoofed-11"],
  ["X-Auth-Admin", "spoofed-12"],
  ["X-Request-Id", "spoofed-13"],
  ["X_Request_Id", "spoofed-14"],
  ["X-Forwarded-User", "spoofed-15"],
  ["X_Forwarded_Email", "spoofed-16"],
  ["x-forwarded-email", "spoofed-17"],
  ["X-User-Id", "spoofed-18"],
  ["x_user_id", "spoofed-19"],
  ["X-Authenticated-Userid", "spoofed-20"],
  ["X-Consumer-Username", "spoofed-21"],
  ["X-Forwarded-For", "spoofed-22"],
  ["X-Real-IP", "spoofed-23"],
  ["X-Forwarded-Host", "spoofed-24"],
  ["X-Original-URL", "spoofed-25"],
  ["Forwarded", "for=spoofed-26"],
  ["Remote-Groups", "spoofed-27"],
  ["Cf-Access-Authenticated-User-Email", "spoofed-28"],
  ["X-HTTP-Method-Override", "spoofed-29"],
  ["True-Client-IP", "spoofed-30"],
  ["X-Forwarded-Uri", "spoofed-31"],
  ["X__Auth__User__Id", "kept-not-identity"],
];

function spoofedHeaders(extra: Record<string, string> = {}): Headers {
  const headers = new Headers(extra);
  for (const [name, value] of SPOOFED) headers.append(name, value);
  return headers;
}

function expectNoSpoofedIdentity(echo: Echo) {
  expect(JSON.stringify(echo.headers)).not.toMatch(/spoofed-/);
}

describe("identity a client claims for itself never reaches an origin", () => {
  let alice: SignedIn;
  beforeAll(async () => {
    alice = await signedInUser("user");
  });

  it("on a public route, which forwards no identity but the request id", async () => {
    const res = await send("/v1/public/page", { headers: spoofedHeaders() });
    const echo = await echoOf(res);
    expectNoSpoofedIdentity(echo);
    const identity = Object.keys(echo.headers).filter((name) =>
      /^x[-_]+(auth|user|forwarded-(user|email)|request)/.test(name),
    );
    // A run of separators folds to one, so `X__Auth__User__Id` is in the namespace and dropped.
    expect(identity.sort()).toEqual(["x-request-id"]);
    expect(echo.headers["x-request-id"]).toBe(res.headers.get("X-Request-Id"));
    expect(echo.headers["x-forwarded-host"]).toBe("gatehouse.test");
    expect(echo.headers["x-forwarded-proto"]).toBe("https");
  });

  it("on a bearer route, where only the gateway's own X-Auth-* values arrive", async () => {
    const echo = await echoOf(await send("/v1/get/me", { headers: spoofedHeaders(alice.headers) }));
    expectNoSpoofedIdentity(echo);
    expect(echo.headers["x-auth-user-id"]).toBe(alice.publicId);
    expect(echo.headers["x-auth-user-type"]).toBe("user");
    expect(echo.headers["x-auth-method"]).toBe("jwt");
  });

  it("on a URL origin", async () => {
    const echo = (await (await send("/origin/x", { headers: spoofedHeaders(alice.headers) })).json()) as Echo;
    expectNoSpoofedIdentity(echo);
    const received = origins.reached[0];
    expect([...(received?.headers.keys() ?? [])].filter((name) => name.includes("_"))).toEqual([]);
  });

  it("when the spoofed header is a lone duplicate of the gateway's own", async () => {
    const headers = new Headers(alice.headers);
    headers.append("X-Auth-User-Id", "spoofed-a");
    headers.append("X-Auth-User-Id", "spoofed-b");
    const echo = await echoOf(await send("/v1/get/me", { headers }));
    expect(echo.headers["x-auth-user-id"]).toBe(alice.publicId);
  });
});

describe("credentials stay at the gateway", () => {
  let alice: SignedIn;
  beforeAll(async () => {
    alice = await signedInUser("user");
  });

  it("the bearer token, any API key and the session cookie are removed; other cookies are kept byte for byte", async () => {
    const echo = await echoOf(
      await send("/v1/get/me", {
        headers: {
          ...alice.headers,
          "X-Ping-Api-Key": "sk_live_should_not_travel",
          X_Ping_Api_Key: "sk_live_nor_this",
          Cookie: 'theme=dark; session_token=abc123; lang="en%20GB"; session_token=again',
        },
      }),
    );
    expect(echo.headers.authorization).toBeUndefined();
    expect(JSON.stringify(echo.headers)).not.toMatch(/sk_live|abc123|again|Bearer/);
    expect(echo.headers.cookie).toBe('theme=dark; lang="en%20GB"');
  });

  it("a Cookie header holding only the session cookie is dropped altogether", async () => {
    const echo = await echoOf(await send("/v1/get/me", { headers: { ...alice.headers, Cookie: "session_token=abc" } }));
    expect(echo.headers.cookie).toBeUndefined();
  });

  it("a public route strips credentials too", async () => {
    const echo = await echoOf(
      await send("/v1/public/x", { headers: { Authorization: "Bearer not-checked", Cookie: "session_token=s; a=b" } }),
    );
    expect(echo.headers.authorization).toBeUndefined();
    expect(echo.headers.cookie).toBe("a=b");
    expect(echo.headers["x-auth-method"]).toBeUndefined();
    expect(echo.headers["x-auth-assertion"]).toBeUndefined();
  });

  it("a route that opts in with forwardCredentials passes them on, but still not spoofed identity", async () => {
    const echo = await echoOf(
      await send("/legacy/x", { headers: spoofedHeaders({ ...alice.headers, Cookie: "session_token=s; a=b" }) }),
    );
    expect(echo.headers.authorization).toBe(`Bearer ${alice.accessToken}`);
    expect(echo.headers.cookie).toBe("session_token=s; a=b");
    expect(echo.headers["x-auth-user-id"]).toBe(alice.publicId);
    expectNoSpoofedIdentity(echo);
  });
});

describe("what the origin receives and sends back, apart from identity, is unchanged", () => {
  let alice: SignedIn;
  beforeAll(async () => {
    alice = await signedInUser("user");
  });

  it("hop-by-hop headers, and those Connection names, do not cross the gateway", async () => {
    const echo = await echoOf(
      await send("/v1/public/x", {
        headers: {
          Connection: "X-Hop-Only",
          "X-Hop-Only": "1",
          "Keep-Alive": "timeout=5",
          TE: "trailers",
          "Proxy-Authorization": "Basic cHJveHk6cHc=",
          "X-End-To-End": "kept",
          Accept: "application/json",
        },
      }),
    );
    for (const name of ["connection", "x-hop-only", "keep-alive", "te", "proxy-authorization"]) {
      expect(echo.headers[name]).toBeUndefined();
    }
    expect(echo.headers["x-end-to-end"]).toBe("kept");
    expect(echo.headers.accept).toBe("application/json");
  });

  it("a redirect from the origin goes back to the client; the gateway does not follow it", async () => {
    const res = await send("/origin/redirect", { headers: alice.headers, redirect: "manual" });
    expect(res.status).toBe(302);
    expect(res.headers.get("Location")).toBe("https://elsewhere.test/next");
    expect(origins.reached).toHaveLength(1);
  });

  it("a large upload streams through intact", async () => {
    const size = 4 * 1024 * 1024 + 123;
    const bytes = new Uint8Array(size);
    for (let i = 0; i < size; i += 65_536) crypto.getRandomValues(bytes.subarray(i, Math.min(size, i + 65_536)));
    const expected = [...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))]
      .map((b) => b.toString(16).padStart(2, "0"))
      .join("");
    let offset = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (offset >= size) return controller.close();
        const end = Math.min(size, offset + 100_000);
        controller.enqueue(bytes.slice(offset, end));
        offset = end;
      },
    });
    const echo = await echoOf(
      await send("/v1/public/upload", {
        method: "POST",
        headers: { "Content-Type": "application/octet-stream" },
        body,
      }),
    );
    expect(echo.bodyBytes).toBe(size);
    expect(echo.bodySha256).toBe(expected);

    const withLength = await echoOf(
      await send("/origin/upload", { method: "PUT", headers: alice.headers, body: bytes }),
    );
    expect(withLength.bodyBytes).toBe(size);
    expect(withLength.bodySha256).toBe(expected);
  });
});

describe("when the origin fails", () => {
  it("an origin that refuses the connection is a 502 in JSON, without a stack trace", async () => {
    const res = await send("/down/x");
    expect(res.status).toBe(502);
    expect(await res.json()).toEqual({
      error: "upstream_unavailable",
      message: "The upstream service is unavailable.",
    });
  });

  it("a GET to an origin that refuses the connection is tried twice, never more", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => undefined);
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    const calls = () => origins.spy.mock.calls.filter(([input]) => String(input).includes("down.test")).length;
    const before = calls();
    const res = await send("/down/x");
    expect(res.status).toBe(502);
    expect(calls() - before).toBe(2);
  });

  it("a failure whose message quotes the URL is logged without its query string", async () => {
    const warnings: string[] = [];
    const errors: string[] = [];
    vi.spyOn(console, "warn").mockImplementation((line: unknown) => void warnings.push(String(line)));
    vi.spyOn(console, "error").mockImplementation((line: unknown) => void errors.push(String(line)));
    const quotingTheUrl = async (input: RequestInfo | URL) => {
      throw new TypeError(`Fetch API cannot load: ${new Request(input).url}`);
    };
    origins.spy.mockImplementationOnce(quotingTheUrl).mockImplementationOnce(quotingTheUrl);
    const res = await send("/down/x?token=secret&user=alice");
    expect(res.status).toBe(502);
    const logged = [...warnings, ...errors].join("\n");
    expect(logged).toContain("TypeError: Fetch API cannot load: https://down.test/down/x");
    expect(logged).not.toContain("secret");
    expect(logged).not.toContain("alice");
  });

  it("an origin that refuses the connection is logged with the route and the cause", async () => {
    const errors: string[] = [];
    vi.spyOn(console, "error").mockImplementation((line: unknown) => void errors.push(String(line)));
    const res = await send("/down/x");
    expect(res.status).toBe(502);
    const logged = errors.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(logged).toContainEqual({
      level: "error",
      event: "upstream_unavailable",
      requestId: res.headers.get("X-Request-Id"),
      detail: "down: TypeError: Network connection lost.",
    });
  });

  describe("a connection the origin closed as it was reused", () => {
    let alice: SignedIn;
    beforeAll(async () => {
      alice = await signedInUser("user");
    });
    beforeEach(() => {
      vi.spyOn(console, "warn").mockImplementation(() => undefined);
      vi.spyOn(console, "error").mockImplementation(() => undefined);
    });

    it("a GET or HEAD is sent once more and answered by the origin", async () => {
      for (const method of ["GET", "HEAD"]) {
        origins.lostConnections.origin = 1;
        const res = await send("/origin/retried", { method, headers: alice.headers });
        expect(res.status).toBe(201);
        expect(res.headers.get("X-Origin")).toBe("yes");
      }
      expect(origins.lostConnections.calls).toBe(2);
      expect(origins.reached.map((request) => request.method)).toEqual(["GET", "HEAD"]);
    });

    it("the retry is logged as a warning naming the route", async () => {
      const warnings: string[] = [];
      vi.spyOn(console, "warn").mockImplementation((line: unknown) => void warnings.push(String(line)));
      origins.lostConnections.origin = 1;
      const res = await send("/origin/retried", { headers: alice.headers });
      expect(res.status).toBe(201);
      expect(warnings.map((line) => JSON.parse(line) as Record<string, unknown>)).toEqual([
        {
          level: "warn",
          event: "upstream_retried",
          requestId: res.headers.get("X-Request-Id"),
          route: "origin-any-user",
          detail: "Error: Network connection lost.",
        },
      ]);
    });

    it("a second lost connection is a 502: no request costs the origin more than two calls", async () => {
      origins.lostConnections.origin = 5;
      const res = await send("/origin/retried", { headers: alice.headers });
      expect(res.status).toBe(502);
      expect(((await res.json()) as { error: string }).error).toBe("upstream_unavailable");
      expect(origins.lostConnections.calls).toBe(2);
      expect(origins.reached).toHaveLength(0);
    });

    it("a request with a body is never sent twice: it is a 502", async () => {
      for (const method of ["POST", "PUT", "PATCH", "DELETE"]) {
        origins.lostConnections.origin = 1;
        const res = await send("/origin/written", { method, headers: alice.headers, body: "once" });
        expect(res.status).toBe(502);
        origins.lostConnections.origin = 0;
      }
      expect(origins.lostConnections.calls).toBe(4);
      expect(origins.reached).toHaveLength(0);
    });
  });

  it("a bound service that throws is a 502, called once, logged by the error's name only", async () => {
    const warnings: string[] = [];
    const errors: string[] = [];
    vi.spyOn(console, "warn").mockImplementation((line: unknown) => void warnings.push(String(line)));
    vi.spyOn(console, "error").mockImplementation((line: unknown) => void errors.push(String(line)));
    const before = Number(await (await send("/slow-service/thrown")).text());
    const res = await send("/slow-service/throw");
    expect(res.status).toBe(502);
    expect(((await res.json()) as { error: string }).error).toBe("upstream_unavailable");
    expect(Number(await (await send("/slow-service/thrown")).text())).toBe(before + 1);
    expect(warnings).toEqual([]);
    expect(errors.map((line) => JSON.parse(line) as Record<string, unknown>)).toContainEqual({
      level: "error",
      event: "upstream_unavailable",
      requestId: res.headers.get("X-Request-Id"),
      detail: "slow-service: Error",
    });
    expect(errors.join("\n")).not.toContain("alice@example.com");
  });

  it("an origin that never answers is a 504 after the route's timeout, and the call to it is aborted", async () => {
    const res = await send("/slow/x");
    expect(res.status).toBe(504);
    expect(await res.json()).toEqual({
      error: "upstream_timeout",
      message: "The upstream service did not answer in time.",
    });
    expect(origins.aborted).toEqual(["https://slow.test/slow/x"]);
  });

  it("a bound service that sends no headers within the route's timeout is a 504 at that timeout", async () => {
    const started = Date.now();
    const res = await send("/slow-service/stall");
    expect(res.status).toBe(504);
    expect(((await res.json()) as { error: string }).error).toBe("upstream_timeout");
    // The origin would answer after 2 s; the gateway must not wait for it.
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it("a response whose headers came in time streams to the end, past the route's timeout", async () => {
    const started = Date.now();
    // The one request not made with `send`: it calls the handler inside the test's own request,
    // where the upstream body stays tied to the route's abort signal and is cut off at the
    // timeout. Across the runtime's boundary, as a client's request arrives in production, it is not.
    const res = await exports.default.fetch(withClientIp(new Request(`${BASE_URL}/slow-service/drip`)));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("chunk 0\nchunk 1\nchunk 2\nchunk 3\nchunk 4\n");
    // Five chunks 60 ms apart: the body outlived the 100 ms timeout and still arrived whole.
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });
});
