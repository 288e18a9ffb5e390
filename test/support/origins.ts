import { env } from "cloudflare:workers";
import { createLocalJWKSet, type JSONWebKeySet, jwtVerify } from "jose";
import { vi } from "vitest";
import demoUpstream from "../../demo/upstream/src/index";
import { send } from "./worker";

/** What the demo origin echoes back. */
export interface Echo {
  upstream: string;
  sandbox: boolean;
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  bodyBytes: number;
  bodySha256: string;
}

/**
 * Stands in for the Internet behind URL upstreams: `origin.test` answers like the demo origin
 * (and adds a few response headers the gateway must pass unchanged; `…/redirect` answers 302
 * elsewhere), `slow.test` accepts the
 * request and never answers (recording when the gateway gives up on it), `down.test` refuses the
 * connection. Every request that reached an origin is recorded, so a test can assert that a
 * refused request never got there. `lostConnections.origin` makes that many calls to
 * `origin.test` fail as a keep-alive connection the origin closed just then does (each is
 * counted in `lostConnections.calls`).
 */
export function stubOrigins() {
  const reached: Request[] = [];
  const aborted: string[] = [];
  const lostConnections = { origin: 0, calls: 0 };
  const spy = vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const request = new Request(input, init);
    const { hostname } = new URL(request.url);
    if (hostname === "origin.test" && lostConnections.origin > 0) {
      lostConnections.origin -= 1;
      lostConnections.calls += 1;
      throw new Error("Network connection lost.");
    }
    if (hostname === "origin.test") {
      reached.push(request);
      if (request.url.endsWith("/redirect")) {
        return new Response(null, { status: 302, headers: { Location: "https://elsewhere.test/next" } });
      }
      const echoed = await demoUpstream.fetch(request);
      const headers = new Headers(echoed.headers);
      headers.set("Cache-Control", "public, max-age=60");
      headers.append("Set-Cookie", "origin_pref=dark; Path=/");
      headers.append("Set-Cookie", "origin_lang=en; Path=/; HttpOnly");
      headers.set("X-Origin", "yes");
      headers.set("Keep-Alive", "timeout=5");
      return new Response(echoed.body, { status: 201, statusText: "Made", headers });
    }
    if (hostname === "slow.test") {
      reached.push(request);
      return new Promise<Response>((_, reject) => {
        request.signal.addEventListener("abort", () => {
          aborted.push(request.url);
          reject(new DOMException("The operation was aborted", "AbortError"));
        });
      });
    }
    if (hostname === "down.test") throw new TypeError("Network connection lost.");
    throw new Error(`unexpected outbound fetch to ${request.url}`);
  });
  return { reached, aborted, lostConnections, spy };
}

export async function echoOf(response: Response): Promise<Echo> {
  const text = await response.text();
  if (!response.ok) throw new Error(`expected the origin's echo, got ${response.status}: ${text}`);
  return JSON.parse(text) as Echo;
}

/** What an origin does: fetch the gateway's published keys, verify for its own audience. */
export async function verifyAsOrigin(assertion: string, audience: string) {
  const jwks = (await (await send("/.well-known/jwks.json")).json()) as JSONWebKeySet;
  return jwtVerify(assertion, createLocalJWKSet(jwks), {
    issuer: env.ISSUER,
    audience,
    typ: "gatehouse-assertion+jwt",
    algorithms: ["ES256", "EdDSA"],
  });
}
