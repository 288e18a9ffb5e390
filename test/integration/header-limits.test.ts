import { describe, expect, it } from "vitest";
import { MAX_HEADER_BYTES, MAX_TOTAL_HEADER_BYTES, oversizedHeaders } from "../../src/http/header-limits";
import { echoOf } from "../support/origins";
import { send } from "../support/worker";

/** A header `name` whose name and value together are exactly `size` bytes. */
function sized(name: string, size: number): [string, string] {
  return [name, "a".repeat(size - name.length)];
}

/** Headers of exactly `total` bytes, none of them over the per-header bound. */
function totalling(total: number): [string, string][] {
  const headers: [string, string][] = [];
  for (let left = total, i = 0; left > 0; i++) {
    const size = Math.min(MAX_HEADER_BYTES, left);
    headers.push(sized(`x-pad-${String(i).padStart(2, "0")}`.slice(0, size), size));
    left -= size;
  }
  return headers;
}

describe("the bounds on request headers", () => {
  it("hold exactly: one header of the bound passes, one byte more does not", () => {
    expect(oversizedHeaders(new Headers([sized("x-big", MAX_HEADER_BYTES)]))).toBeNull();
    expect(oversizedHeaders(new Headers([sized("x-big", MAX_HEADER_BYTES + 1)]))).toMatch(/x-big/);
  });

  it("hold exactly for all headers together", () => {
    expect(oversizedHeaders(new Headers(totalling(MAX_TOTAL_HEADER_BYTES)))).toBeNull();
    expect(oversizedHeaders(new Headers(totalling(MAX_TOTAL_HEADER_BYTES + 1)))).toMatch(/headers of/);
  });
});

/** Room for the headers a request carries anyway (Host is not one of them; the client IP is). */
const ROOM = 1024;

describe("a request with large headers", () => {
  it("just under each bound still reaches the origin, with the header intact", async () => {
    const big = sized("x-big", MAX_HEADER_BYTES);
    const echo = await echoOf(await send("/v1/public/x", { headers: [big] }));
    expect(echo.headers["x-big"]).toBe(big[1]);
    const many = totalling(MAX_TOTAL_HEADER_BYTES - ROOM);
    expect((await send("/v1/public/x", { headers: many })).status).toBe(200);
  });

  it("over either bound never reaches the origin: 431", async () => {
    for (const headers of [[sized("x-big", MAX_HEADER_BYTES + 1)], totalling(MAX_TOTAL_HEADER_BYTES + 1)]) {
      const res = await send("/v1/public/x", { headers });
      expect(res.status).toBe(431);
      expect(res.headers.get("X-Demo-Upstream")).toBeNull();
      expect(await res.json()).toMatchObject({ error: "request_header_too_large" });
    }
  });

  it("of 64 KiB is refused by own routes too, in each dialect", async () => {
    const huge = { headers: [sized("x-big", 64 * 1024)] };
    const ping = await send("/v1/api-keys", huge);
    expect(ping.status).toBe(431);
    expect(await ping.json()).toMatchObject({ result: "error", code: "request_header_too_large" });
    const pingpage = await send("/v1/me", huge);
    expect(pingpage.status).toBe(400);
    expect(await pingpage.text()).toBe("The request headers are too large.");
    const pers = await send("/v2/auth/token", { ...huge, method: "POST" });
    expect(pers.status).toBe(431);
    expect(await pers.json()).toMatchObject({ error: "request_header_too_large" });
    const own = await send("/.well-known/jwks.json", { headers: totalling(MAX_TOTAL_HEADER_BYTES + 1) });
    expect(own.status).toBe(431);
  });

  it.each([
    ["GET", "/dashboard/sign-in"],
    ["POST", "/dashboard/sign-in"],
    ["GET", "/dashboard/businesses"],
    ["GET", "/docs"],
    ["GET", "/docs/assets/swagger-ui.css"],
    ["GET", "/openapi.json"],
  ])("of 64 KiB is refused on %s %s before anything reads it", async (method, path) => {
    const res = await send(path, {
      method,
      headers: [
        sized("x-big", 64 * 1024),
        ["Cookie", `gatehouse_dashboard=${"a".repeat(100)}`],
        ["Content-Type", "application/x-www-form-urlencoded"],
      ],
      ...(method === "POST" ? { body: "email=ursula%40example.com&password=wrong-password" } : {}),
    });
    expect(res.status).toBe(431);
    const body = await res.text();
    if (path.startsWith("/dashboard")) expect(body).toContain("The request headers are too large.");
    else expect(JSON.parse(body)).toMatchObject({ error: "request_header_too_large" });
  });

  it("just under the bounds is still served by own routes", async () => {
    expect((await send("/.well-known/jwks.json", { headers: [sized("x-big", MAX_HEADER_BYTES)] })).status).toBe(200);
    expect((await send("/v1/me", { headers: totalling(MAX_TOTAL_HEADER_BYTES - ROOM) })).status).toBe(401);
    for (const path of ["/dashboard/sign-in", "/docs", "/openapi.json"]) {
      expect((await send(path, { headers: [sized("x-big", MAX_HEADER_BYTES)] })).status, path).toBe(200);
    }
  });
});
