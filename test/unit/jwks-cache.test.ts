import { beforeEach, describe, expect, it } from "vitest";
import { findProviderKey, forgetIsolateJwksCache } from "../../src/services/token-exchange/provider-keys";
import { type TestDeps, testDeps } from "../support/deps";
import { FakeIdentityProvider } from "../support/identity-provider";

/**
 * The cache judged by the clock it is given (`deps.now`), not by waiting. Config in wrangler.toml:
 * fresh 600 s, unknown-kid refetch cooldown 30 s, stale fallback 86,400 s.
 */
const start = Date.now();
const at = (seconds: number) => start + seconds * 1000;

let clock: TestDeps;
beforeEach(async () => {
  clock = await testDeps();
});

function lookup(idp: FakeIdentityProvider, seconds: number, kid = idp.firstKid) {
  return findProviderKey(clock.at(at(seconds)), { kind: "url", url: idp.jwksUrl }, kid, "ES256");
}

describe("identity providers' JWKS cache", () => {
  it("serves a fetched set while fresh, and refetches once it is older than JWKS_CACHE_SECONDS", async () => {
    const idp = await FakeIdentityProvider.create({ alg: "ES256" });
    expect((await lookup(idp, 0)).ok).toBe(true);
    expect((await lookup(idp, 599)).ok).toBe(true);
    expect(idp.fetchCount).toBe(1);
    expect((await lookup(idp, 601)).ok).toBe(true);
    expect(idp.fetchCount).toBe(2);
  });

  it("keeps verifying with the last good set while the provider is down, up to JWKS_STALE_MAX_SECONDS, then fails closed", async () => {
    const idp = await FakeIdentityProvider.create({ alg: "ES256" });
    expect((await lookup(idp, 0)).ok).toBe(true);
    idp.down = true;
    expect((await lookup(idp, 700)).ok).toBe(true);
    expect(idp.fetchCount).toBe(2);
    // A failed fetch is not retried within the cooldown.
    expect((await lookup(idp, 710)).ok).toBe(true);
    expect(idp.fetchCount).toBe(2);
    expect((await lookup(idp, 86_000)).ok).toBe(true);
    expect(await lookup(idp, 86_401)).toEqual({ ok: false, reason: "jwks_unavailable" });
    // Back up: verification resumes with a fresh set.
    idp.down = false;
    expect((await lookup(idp, 86_500)).ok).toBe(true);
  });

  it("an unknown kid refetches at most once per JWKS_REFETCH_COOLDOWN_SECONDS", async () => {
    const idp = await FakeIdentityProvider.create({ alg: "ES256" });
    expect((await lookup(idp, 0)).ok).toBe(true);
    expect(await lookup(idp, 1, "ghost")).toEqual({ ok: false, reason: "unknown_kid" });
    expect(idp.fetchCount).toBe(2);
    expect(await lookup(idp, 29, "ghost")).toEqual({ ok: false, reason: "unknown_kid" });
    expect(idp.fetchCount).toBe(2);
    const rotated = await idp.addKey("ES256");
    idp.publish(rotated.kid);
    expect((await lookup(idp, 20, rotated.kid)).ok).toBe(false);
    expect((await lookup(idp, 32, rotated.kid)).ok).toBe(true);
    expect(idp.fetchCount).toBe(3);
  });

  it("a new isolate takes the set from the edge cache instead of the provider", async () => {
    const idp = await FakeIdentityProvider.create({ alg: "ES256" });
    expect((await lookup(idp, 0)).ok).toBe(true);
    await clock.settle(); // the edge cache write happens after the response
    forgetIsolateJwksCache();
    expect((await lookup(idp, 5)).ok).toBe(true);
    expect(idp.fetchCount).toBe(1);
  });

  it("a key that does not fit the token's algorithm is refused", async () => {
    const idp = await FakeIdentityProvider.create({ alg: "ES256" });
    const result = await findProviderKey(clock.at(at(0)), { kind: "url", url: idp.jwksUrl }, idp.firstKid, "RS256");
    expect(result).toEqual({ ok: false, reason: "algorithm_mismatch" });
  });
});
