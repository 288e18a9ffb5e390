import { describe, expect, it } from "vitest";
import { type EdgeCachedJwks, readEdgeCachedJwks, writeEdgeCachedJwks } from "../../src/storage/jwks-edge-cache";
import { cacheApiKeys } from "../../src/storage/keys";

/** The JWKS edge cache through workerd's real Cache API (`caches.default`). */
const jwksUrl = (label: string) => `https://idp-${crypto.randomUUID()}.example/${label}/.well-known/jwks.json`;

const entry: EdgeCachedJwks = {
  keys: [{ kty: "EC", kid: "k1", crv: "P-256", x: "x-coordinate", y: "y-coordinate", alg: "ES256" }],
  fetchedAtMs: 1_700_000_000_000,
};

describe("identity providers' JWKS in the location's Cache API", () => {
  it("reads back what was written, under the synthetic key from keys.ts, kept for max-age", async () => {
    const url = jwksUrl("round-trip");
    expect(await readEdgeCachedJwks(url)).toBeNull();
    await writeEdgeCachedJwks(url, entry, 86_400);
    expect(await readEdgeCachedJwks(url)).toEqual(entry);

    const stored = await caches.default.match(cacheApiKeys.jwks(url));
    expect(stored?.headers.get("Cache-Control")).toBe("max-age=86400");
    expect(cacheApiKeys.jwks(url)).toBe(`https://jwks-cache.gatehouse.internal/v1?url=${encodeURIComponent(url)}`);
  });

  it("keeps each JWKS URL apart, query strings included", async () => {
    const base = jwksUrl("apart");
    const other = `${base}?tenant=a&v=2`;
    await writeEdgeCachedJwks(base, entry, 600);
    expect(await readEdgeCachedJwks(other)).toBeNull();
    const newer = { ...entry, fetchedAtMs: entry.fetchedAtMs + 1 };
    await writeEdgeCachedJwks(other, newer, 600);
    expect(await readEdgeCachedJwks(base)).toEqual(entry);
    expect(await readEdgeCachedJwks(other)).toEqual(newer);
  });

  it("an entry that is not a JWKS snapshot reads as a miss, never as an error", async () => {
    const put = (url: string, body: string) =>
      caches.default.put(cacheApiKeys.jwks(url), new Response(body, { headers: { "Cache-Control": "max-age=600" } }));
    const notJson = jwksUrl("not-json");
    await put(notJson, "<html>");
    expect(await readEdgeCachedJwks(notJson)).toBeNull();
    const noKeys = jwksUrl("no-keys");
    await put(noKeys, JSON.stringify({ fetchedAtMs: 1 }));
    expect(await readEdgeCachedJwks(noKeys)).toBeNull();
    const noTime = jwksUrl("no-time");
    await put(noTime, JSON.stringify({ keys: [] }));
    expect(await readEdgeCachedJwks(noTime)).toBeNull();
  });
});
