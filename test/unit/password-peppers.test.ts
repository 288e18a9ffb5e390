import { base64url } from "jose";
import { describe, expect, it } from "vitest";
import { hashPassword, parsePasswordHash, verifyPassword } from "../../src/crypto/passwords";
import { type Pepper, parsePepperList } from "../../src/crypto/peppers";

const ITERATIONS = 1_000;
const HEX_A = "a1".repeat(32);
const HEX_B = "b2".repeat(32);
const [PEPPER_A, PEPPER_B] = parsePepperList(`a:${HEX_A},b:${HEX_B}`) as [Pepper, Pepper];
const policy = (...peppers: Pepper[]) => ({ iterations: ITERATIONS, peppers });

describe("v2 peppered password hashes", () => {
  it("store HMAC-SHA256(pepper, PBKDF2 output) tagged with the pepper id", async () => {
    const stored = await hashPassword("correct horse", policy(PEPPER_A));
    expect(stored).toMatch(/^\$pbkdf2-sha256\$v=2\$i=1000,k=a\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    const parsed = parsePasswordHash(stored);
    const key = await crypto.subtle.importKey("raw", new TextEncoder().encode("correct horse"), "PBKDF2", false, [
      "deriveBits",
    ]);
    const bits = await crypto.subtle.deriveBits(
      { name: "PBKDF2", hash: "SHA-256", salt: parsed?.salt ?? new Uint8Array(), iterations: ITERATIONS },
      key,
      256,
    );
    const hmac = await crypto.subtle.importKey("raw", PEPPER_A.secret, { name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
    ]);
    const expected = new Uint8Array(await crypto.subtle.sign("HMAC", hmac, bits));
    expect(base64url.encode(parsed?.hash ?? new Uint8Array())).toBe(base64url.encode(expected));
  });

  it("verify with the current pepper and need no rehash", async () => {
    const stored = await hashPassword("correct horse", policy(PEPPER_A));
    expect(await verifyPassword("correct horse", stored, policy(PEPPER_A))).toEqual({
      valid: true,
      needsRehash: false,
    });
    expect(await verifyPassword("wrong horse", stored, policy(PEPPER_A))).toEqual({ valid: false, needsRehash: false });
  });

  it("fail under a different secret with the same id, and when their pepper is not configured", async () => {
    const stored = await hashPassword("correct horse", policy(PEPPER_A));
    const impostor = { id: "a", secret: PEPPER_B.secret };
    expect((await verifyPassword("correct horse", stored, policy(impostor))).valid).toBe(false);
    expect((await verifyPassword("correct horse", stored, policy(PEPPER_B))).valid).toBe(false);
    expect((await verifyPassword("correct horse", stored, { iterations: ITERATIONS })).valid).toBe(false);
  });

  it("under the previous pepper still verify while it is listed, and ask to be re-tagged", async () => {
    const stored = await hashPassword("correct horse", policy(PEPPER_A));
    const rotated = policy(PEPPER_B, PEPPER_A);
    expect(await verifyPassword("correct horse", stored, rotated)).toEqual({ valid: true, needsRehash: true });
    expect(await verifyPassword("wrong horse", stored, rotated)).toEqual({ valid: false, needsRehash: false });
    const retagged = await hashPassword("correct horse", rotated);
    expect(parsePasswordHash(retagged)?.pepperId).toBe("b");
    expect(await verifyPassword("correct horse", retagged, rotated)).toEqual({ valid: true, needsRehash: false });
  });

  it("replace a v1 hash: a v1 hash verifies and asks for a rehash once peppers are configured", async () => {
    const v1 = await hashPassword("correct horse", { iterations: ITERATIONS });
    expect(await verifyPassword("correct horse", v1, policy(PEPPER_A))).toEqual({ valid: true, needsRehash: true });
    expect(await verifyPassword("wrong horse", v1, policy(PEPPER_A))).toEqual({ valid: false, needsRehash: false });
  });
});

describe("PASSWORD_PEPPERS", () => {
  it("parses id:hex pairs, first one first", () => {
    expect(parsePepperList(`a:${HEX_A}, b:${HEX_B}`)).toEqual([PEPPER_A, PEPPER_B]);
    expect(parsePepperList("")).toEqual([]);
  });

  it("refuses short, non-hex, duplicate and badly named peppers", () => {
    expect(parsePepperList(`a:${"ab".repeat(31)}`)).toMatch(/at least 32 bytes/);
    expect(parsePepperList(`a:${"zz".repeat(32)}`)).toMatch(/hex/);
    expect(parsePepperList(`a:${HEX_A},a:${HEX_B}`)).toMatch(/listed twice/);
    expect(parsePepperList(`a b:${HEX_A}`)).toMatch(/pepper id/);
    expect(parsePepperList(HEX_A)).toMatch(/hex|pepper id/);
  });
});
