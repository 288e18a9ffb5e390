import { base64url } from "jose";
import { describe, expect, it } from "vitest";
import { checkPublicJwk } from "../../src/crypto/jwks";
import { hasRocaFingerprint } from "../../src/crypto/roca";
import { ROCA_RSA_JWK, RSA_1024_JWK, SOUND_RSA_JWK } from "../support/wycheproof-keys";

const modulusOf = (jwk: { n: string }) =>
  BigInt(`0x${Array.from(base64url.decode(jwk.n), (b) => b.toString(16).padStart(2, "0")).join("")}`);

describe("the ROCA fingerprint", () => {
  it("is found in Wycheproof's jws_rsa_roca_key and not in its sound 2048-bit key", () => {
    expect(hasRocaFingerprint(modulusOf(ROCA_RSA_JWK))).toBe(true);
    expect(hasRocaFingerprint(modulusOf(SOUND_RSA_JWK))).toBe(false);
  });

  it("is found in any number built as the flawed generator builds primes (65537^a mod M)", () => {
    // M: the primorial of the fingerprint primes; products of such numbers keep the fingerprint.
    const primes = [2n, 3n, 5n, 7n, 11n, 13n, 17n, 19n, 23n, 29n, 31n, 37n, 41n, 43n, 47n, 53n, 59n, 61n, 67n, 71n];
    const more = [73n, 79n, 83n, 89n, 97n, 101n, 103n, 107n, 109n, 113n, 127n, 131n, 137n, 139n, 149n, 151n];
    const m = [...primes, ...more, 157n, 163n, 167n].reduce((a, b) => a * b, 1n);
    const power = (base: bigint, exp: bigint) => {
      let result = 1n;
      let b = base % m;
      for (let e = exp; e > 0n; e >>= 1n) {
        if (e & 1n) result = (result * b) % m;
        b = (b * b) % m;
      }
      return result;
    };
    const p = 12345n * m + power(65537n, 777n);
    const q = 67890n * m + power(65537n, 4242n);
    expect(hasRocaFingerprint(p * q)).toBe(true);
    // One step off the pattern and the fingerprint is gone.
    expect(hasRocaFingerprint(p * q + 2n)).toBe(false);
  });

  it("is absent from small and degenerate numbers", () => {
    for (const n of [0n, -1n, 2n, 3n * 5n * 7n, 2n ** 2048n - 1n]) expect(hasRocaFingerprint(n)).toBe(false);
  });
});

describe("weak RSA keys as JWKs", () => {
  it("refuses ROCA, sub-2048-bit and bad-exponent keys; accepts a sound one", () => {
    expect(checkPublicJwk(ROCA_RSA_JWK)).toBe("weak_key");
    expect(checkPublicJwk(RSA_1024_JWK)).toBe("weak_key");
    expect(checkPublicJwk({ ...SOUND_RSA_JWK, e: "AQ" })).toBe("weak_key");
    expect(checkPublicJwk({ ...SOUND_RSA_JWK, e: "AQAA" })).toBe("weak_key");
    expect(checkPublicJwk(SOUND_RSA_JWK)).toBeNull();
  });

  it("counts bits, not bytes: a 256-byte modulus whose top byte is 0x01 is 2041 bits and refused", () => {
    const bytes = base64url.decode(SOUND_RSA_JWK.n);
    bytes[0] = 0x01;
    expect(checkPublicJwk({ ...SOUND_RSA_JWK, n: base64url.encode(bytes) })).toBe("weak_key");
    // Leading zero bytes do not make a small modulus big.
    const padded = new Uint8Array([0, 0, ...base64url.decode(RSA_1024_JWK.n)]);
    expect(checkPublicJwk({ ...RSA_1024_JWK, n: base64url.encode(padded) })).toBe("weak_key");
  });
});
