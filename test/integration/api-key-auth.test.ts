import { describe, expect, it } from "vitest";
import { createKey, presentKey, signedInOwner } from "../support/api-keys";
import { neverIssuedKey } from "../support/gateway-credentials";
import { send } from "../support/worker";

async function refusal(res: Response) {
  return { status: res.status, challenge: res.headers.get("WWW-Authenticate"), body: await res.json() };
}

describe("authenticating with X-Ping-Api-Key", () => {
  it("no key at all is a 401 challenge without an error attribute", async () => {
    const res = await send("/v1/auth/api-key");
    expect(await refusal(res)).toEqual({
      status: 401,
      challenge: 'ApiKey realm="gatehouse"',
      body: { error: "missing_credentials", message: "Authentication is required." },
    });
  });

  it.each([
    ["garbage", "hello"],
    ["a bearer token in the wrong header", "Bearer eyJhbGciOiJFUzI1NiJ9.e30.sig"],
    ["an unknown prefix", `rk_live_${"1".repeat(39)}`],
    ["a huge header", `sk_live_${"A".repeat(8000)}`],
  ])("%s is refused as invalid_format", async (_story, key) => {
    const res = await presentKey(key);
    expect(await refusal(res)).toEqual({
      status: 401,
      challenge: 'ApiKey realm="gatehouse", error="invalid_token"',
      body: {
        error: "invalid_api_key",
        message: "The API key is invalid, revoked or expired.",
        reason: "invalid_format",
      },
    });
  });

  it("a real key with one character mistyped fails its checksum (invalid_format)", async () => {
    const owner = await signedInOwner();
    const { key } = await createKey(owner);
    const index = 20;
    const typo = key.slice(0, index) + (key[index] === "x" ? "y" : "x") + key.slice(index + 1);
    const res = await presentKey(typo);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ reason: "invalid_format" });
    expect((await presentKey(key.slice(0, -1))).status).toBe(401);
  });

  it("a well-formed key that was never issued is not_found, on every try", async () => {
    const plaintext = await neverIssuedKey();
    for (let i = 0; i < 2; i++) {
      const res = await presentKey(plaintext);
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ reason: "not_found" });
    }
  });

  it("two keys in one header are refused", async () => {
    const owner = await signedInOwner();
    const { key } = await createKey(owner);
    const headers = new Headers();
    headers.append("X-Ping-Api-Key", key);
    headers.append("X-Ping-Api-Key", key);
    const res = await send("/v1/auth/api-key", { headers });
    expect(res.status).toBe(401);
  });

  it("a bearer token does not stand in for an API key", async () => {
    const owner = await signedInOwner();
    const res = await send("/v1/auth/api-key", { headers: owner.headers });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: "missing_credentials" });
  });
});
