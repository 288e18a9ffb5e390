import { base64url } from "jose";
import { describe, expect, it } from "vitest";
import { hashPassword, PBKDF2_MAX_ITERATIONS, parsePasswordHash, verifyPassword } from "../../src/crypto/passwords";

/** Cheap parameters keep the suite fast; the production cost is measured by the bench, not here. */
const FAST = { iterations: 1_000 } as const;
const PEPPER = "a-pepper-of-at-least-sixteen-chars";
const OTHER_PEPPER = "another-pepper-sixteen-plus";
const HASH_FORMAT = /^\$pbkdf2-sha256\$v=1\$i=(\d+),p=([01])\$([A-Za-z0-9_-]{22})\$([A-Za-z0-9_-]{43})$/;
const encoder = new TextEncoder();

/** The documented format, recomputed independently with WebCrypto: HMAC(pepper, password) then PBKDF2. */
async function pbkdf2(password: string, salt: Uint8Array, iterations: number, pepper?: string): Promise<Uint8Array> {
  let material = encoder.encode(password);
  if (pepper) {
    const hmac = await crypto.subtle.importKey(
      "raw",
      encoder.encode(pepper),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );
    material = new Uint8Array(await crypto.subtle.sign("HMAC", hmac, material));
  }
  const key = await crypto.subtle.importKey("raw", material, "PBKDF2", false, ["deriveBits"]);
  return new Uint8Array(
    await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, 256),
  );
}

function storedHash(iterations: number, peppered: boolean, salt: Uint8Array, hash: Uint8Array): string {
  return `$pbkdf2-sha256$v=1$i=${iterations},p=${peppered ? 1 : 0}$${base64url.encode(salt)}$${base64url.encode(hash)}`;
}

describe("the stored password format", () => {
  it("is self-describing and matches an independent PBKDF2-SHA256 of the password", async () => {
    const stored = await hashPassword("correct horse", FAST);
    const match = HASH_FORMAT.exec(stored);
    expect(match?.slice(1, 3)).toEqual(["1000", "0"]);
    const salt = base64url.decode(match?.[3] ?? "");
    expect(base64url.encode(await pbkdf2("correct horse", salt, 1_000))).toBe(match?.[4]);
  });

  it("a peppered hash is PBKDF2 over HMAC-SHA256(pepper, password) and says p=1", async () => {
    const stored = await hashPassword("correct horse", { ...FAST, pepper: PEPPER });
    const match = HASH_FORMAT.exec(stored);
    expect(match?.[2]).toBe("1");
    const salt = base64url.decode(match?.[3] ?? "");
    expect(base64url.encode(await pbkdf2("correct horse", salt, 1_000, PEPPER))).toBe(match?.[4]);
  });

  it("round trips: the right password verifies and needs no rehash under the same policy", async () => {
    const stored = await hashPassword("correct horse", FAST);
    expect(await verifyPassword("correct horse", stored, FAST)).toEqual({ valid: true, needsRehash: false });
  });

  it("round trips non-ASCII passwords byte for byte", async () => {
    const stored = await hashPassword("pässwörd-🔑", FAST);
    expect(await verifyPassword("pässwörd-🔑", stored, FAST)).toEqual({ valid: true, needsRehash: false });
    expect((await verifyPassword("passwörd-🔑", stored, FAST)).valid).toBe(false);
  });

  it("a hash created by an independent implementation verifies", async () => {
    const salt = crypto.getRandomValues(new Uint8Array(16));
    const stored = storedHash(1_000, false, salt, await pbkdf2("legacy", salt, 1_000));
    expect(await verifyPassword("legacy", stored, FAST)).toEqual({ valid: true, needsRehash: false });
  });

  it("each hash gets its own salt, so equal passwords never share a hash", async () => {
    const first = await hashPassword("same password", FAST);
    const second = await hashPassword("same password", FAST);
    expect(parsePasswordHash(first)?.salt).not.toEqual(parsePasswordHash(second)?.salt);
    expect(first).not.toBe(second);
    expect((await verifyPassword("same password", first, FAST)).valid).toBe(true);
    expect((await verifyPassword("same password", second, FAST)).valid).toBe(true);
  });
});

describe("wrong passwords", () => {
  it.each([
    ["another password", "wrong horse"],
    ["a prefix of it", "correct hors"],
    ["it with a trailing space", "correct horse "],
    ["it in upper case", "CORRECT HORSE"],
    ["the empty string", ""],
  ])("%s is refused and never asks for a rehash", async (_name, attempt) => {
    const stored = await hashPassword("correct horse", FAST);
    expect(await verifyPassword(attempt, stored, { iterations: 2_000 })).toEqual({ valid: false, needsRehash: false });
  });

  it("a stored hash with one flipped bit no longer verifies", async () => {
    const stored = await hashPassword("correct horse", FAST);
    const parsed = parsePasswordHash(stored);
    if (!parsed) throw new Error("unparsable");
    parsed.hash[0] = (parsed.hash[0] ?? 0) ^ 1;
    const tampered = storedHash(1_000, false, parsed.salt, parsed.hash);
    expect(await verifyPassword("correct horse", tampered, FAST)).toEqual({ valid: false, needsRehash: false });
  });

  it("a truncated stored hash no longer verifies", async () => {
    const stored = await hashPassword("correct horse", FAST);
    const parsed = parsePasswordHash(stored);
    if (!parsed) throw new Error("unparsable");
    const truncated = storedHash(1_000, false, parsed.salt, parsed.hash.slice(0, 16));
    expect(await verifyPassword("correct horse", truncated, FAST)).toEqual({ valid: false, needsRehash: false });
  });
});

describe("pepper", () => {
  it("a peppered hash verifies only with the same pepper", async () => {
    const stored = await hashPassword("correct horse", { ...FAST, pepper: PEPPER });
    expect(await verifyPassword("correct horse", stored, { ...FAST, pepper: PEPPER })).toEqual({
      valid: true,
      needsRehash: false,
    });
    expect((await verifyPassword("correct horse", stored, { ...FAST, pepper: OTHER_PEPPER })).valid).toBe(false);
    expect(await verifyPassword("correct horse", stored, FAST)).toEqual({ valid: false, needsRehash: false });
  });

  it("without the pepper the same password and salt give another hash", async () => {
    const stored = await hashPassword("correct horse", { ...FAST, pepper: PEPPER });
    const parsed = parsePasswordHash(stored);
    if (!parsed) throw new Error("unparsable");
    expect(await pbkdf2("correct horse", parsed.salt, 1_000)).not.toEqual(parsed.hash);
  });
});

describe("upgrading old hashes on the next successful login", () => {
  it("a hash with fewer iterations than the policy verifies and asks for a rehash", async () => {
    const stored = await hashPassword("correct horse", FAST);
    const policy = { iterations: 2_000 };
    expect(await verifyPassword("correct horse", stored, policy)).toEqual({ valid: true, needsRehash: true });
    const upgraded = await hashPassword("correct horse", policy);
    expect(parsePasswordHash(upgraded)?.iterations).toBe(2_000);
    expect(await verifyPassword("correct horse", upgraded, policy)).toEqual({ valid: true, needsRehash: false });
  });

  it("a hash with more iterations than the policy (a lowered policy) is also brought in line", async () => {
    const stored = await hashPassword("correct horse", { iterations: 2_000 });
    expect(await verifyPassword("correct horse", stored, FAST)).toEqual({ valid: true, needsRehash: true });
  });

  it("an unpeppered hash asks for a rehash once a pepper is configured", async () => {
    const stored = await hashPassword("correct horse", FAST);
    const peppered = { ...FAST, pepper: PEPPER };
    expect(await verifyPassword("correct horse", stored, peppered)).toEqual({ valid: true, needsRehash: true });
    const upgraded = await hashPassword("correct horse", peppered);
    expect(parsePasswordHash(upgraded)?.peppered).toBe(true);
    expect(await verifyPassword("correct horse", upgraded, peppered)).toEqual({ valid: true, needsRehash: false });
  });
});

describe("stored values that are not a usable hash", () => {
  it.each([
    ["no hash at all", null],
    ["the empty string", ""],
    ["a plaintext password", "correct horse"],
    ["another algorithm", "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2g"],
    ["an unknown version", "$pbkdf2-sha256$v=2$i=1000,p=0$AAAAAAAAAAAAAAAAAAAAAA$AAAA"],
    ["missing the hash", "$pbkdf2-sha256$v=1$i=1000,p=0$AAAAAAAAAAAAAAAAAAAAAA"],
    ["an extra segment", "$pbkdf2-sha256$v=1$i=1000,p=0$AAAAAAAAAAAAAAAAAAAAAA$AAAA$AAAA"],
    ["non-numeric iterations", "$pbkdf2-sha256$v=1$i=lots,p=0$AAAAAAAAAAAAAAAAAAAAAA$AAAA"],
    ["an unknown pepper flag", "$pbkdf2-sha256$v=1$i=1000,p=2$AAAAAAAAAAAAAAAAAAAAAA$AAAA"],
    ["a salt that is not base64url", "$pbkdf2-sha256$v=1$i=1000,p=0$not*base64$AAAA"],
  ])("%s never verifies", async (_name, stored) => {
    expect(await verifyPassword("correct horse", stored, FAST)).toEqual({ valid: false, needsRehash: false });
  });

  it("the same hash verifies once the corruption is removed (control for the table above)", async () => {
    const salt = new Uint8Array(16);
    const stored = storedHash(1_000, false, salt, await pbkdf2("correct horse", salt, 1_000));
    expect((await verifyPassword("correct horse", stored, FAST)).valid).toBe(true);
    expect((await verifyPassword("correct horse", `${stored}$AAAA`, FAST)).valid).toBe(false);
  });
});

describe(`the Workers cap of ${PBKDF2_MAX_ITERATIONS} iterations`, () => {
  it("hashing at the cap works", async () => {
    const stored = await hashPassword("correct horse", { iterations: PBKDF2_MAX_ITERATIONS });
    expect(parsePasswordHash(stored)?.iterations).toBe(PBKDF2_MAX_ITERATIONS);
    const check = await verifyPassword("correct horse", stored, { iterations: PBKDF2_MAX_ITERATIONS });
    expect(check).toEqual({ valid: true, needsRehash: false });
  });

  it("hashing above the cap is refused, even though local workerd could compute it", async () => {
    await expect(hashPassword("correct horse", { iterations: PBKDF2_MAX_ITERATIONS + 1 })).rejects.toThrow();
  });

  it("a genuine hash above the cap is treated as invalid, as production could never verify it", async () => {
    const salt = crypto.getRandomValues(new Uint8Array(16));
    const iterations = PBKDF2_MAX_ITERATIONS + 1;
    const stored = storedHash(iterations, false, salt, await pbkdf2("correct horse", salt, iterations));
    expect(await verifyPassword("correct horse", stored, FAST)).toEqual({ valid: false, needsRehash: false });
  });
});
