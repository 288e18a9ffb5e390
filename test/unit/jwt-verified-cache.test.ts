import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { generateSigningKeySet } from "../../scripts/lib/signing-keys";
import { CLOCK_TOLERANCE_SECONDS, signJwt, verifyJwt } from "../../src/crypto/jwt";
import { loadSigningKeys } from "../../src/crypto/signing-keys";

const issuedAt = new Date(Date.UTC(2031, 0, 1));
const options = { typ: "at+jwt", issuer: "https://issuer.test", audience: "gatehouse" };
const at = (offsetSeconds: number) => new Date(issuedAt.getTime() + offsetSeconds * 1000);

async function freshToken() {
  const keys = await loadSigningKeys(env.SIGNING_KEYS);
  const token = await signJwt(
    keys,
    { n: crypto.randomUUID() },
    { ...options, ttlSeconds: 300, now: issuedAt, jti: "j" },
  );
  return { keys, token };
}

// Verified tokens are remembered per isolate; none of that may change what verification answers.
describe("a token verified once", () => {
  it("is accepted again while valid and still expires on time", async () => {
    const { keys, token } = await freshToken();
    expect((await verifyJwt(keys, token, { ...options, now: at(10) })).ok).toBe(true);
    expect((await verifyJwt(keys, token, { ...options, now: at(20) })).ok).toBe(true);
    const late = await verifyJwt(keys, token, { ...options, now: at(300 + CLOCK_TOLERANCE_SECONDS + 1) });
    expect(late).toEqual({ ok: false, reason: "expired" });
  });

  it("is still not valid before it was issued", async () => {
    const { keys, token } = await freshToken();
    expect((await verifyJwt(keys, token, { ...options, now: at(10) })).ok).toBe(true);
    const early = await verifyJwt(keys, token, { ...options, now: at(-CLOCK_TOLERANCE_SECONDS - 5) });
    expect(early).toEqual({ ok: false, reason: "not_yet_valid" });
  });

  it("is refused for another audience, issuer or type", async () => {
    const { keys, token } = await freshToken();
    expect((await verifyJwt(keys, token, { ...options, now: at(1) })).ok).toBe(true);
    for (const other of [{ audience: "elsewhere" }, { issuer: "https://other.test" }, { typ: "rt+jwt" }]) {
      expect((await verifyJwt(keys, token, { ...options, ...other, now: at(2) })).ok).toBe(false);
    }
  });

  it("is refused once its key has left the key set", async () => {
    const { keys, token } = await freshToken();
    expect((await verifyJwt(keys, token, { ...options, now: at(1) })).ok).toBe(true);
    const rotated = await loadSigningKeys(await generateSigningKeySet(["ES256"]));
    expect(await verifyJwt(rotated, token, { ...options, now: at(2) })).toEqual({ ok: false, reason: "unknown_kid" });
    // Restore the isolate's key set for the tests that follow.
    await loadSigningKeys(env.SIGNING_KEYS);
  });
});
