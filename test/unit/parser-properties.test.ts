import fc from "fast-check";
import { base64url } from "jose";
import { describe, expect, it } from "vitest";
import { API_KEY_BODY_BYTES, API_KEY_LENGTH, parseApiKey } from "../../src/crypto/api-key-format";
import { BASE58_ALPHABET, encodeBase58Fixed } from "../../src/crypto/base58";
import { MAX_TOKEN_LENGTH, parseCompactHeader } from "../../src/crypto/jwt";
import { parsePasswordHash } from "../../src/crypto/passwords";
import { parseSessionCookie } from "../../src/services/sessions/cookie-sessions";

/**
 * Properties of every parser that reads attacker-controlled text: it never throws, accepts exactly
 * the shape we produce, and gives back what was put in.
 */

const encoder = new TextEncoder();
const b64 = (value: unknown) => base64url.encode(encoder.encode(JSON.stringify(value)));

/** Arbitrary text, including the characters our formats are made of, with a bias towards them. */
const hostileText = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: "binary", maxLength: 200 }),
  fc.stringMatching(/^[A-Za-z0-9_.$=,-]{0,120}$/),
);

describe("fixed-width base58", () => {
  const decode = (digits: string) =>
    [...digits].reduce((value, digit) => value * 58n + BigInt(BASE58_ALPHABET.indexOf(digit)), 0n);
  const numberOf = (bytes: Uint8Array) => bytes.reduce((value, byte) => (value << 8n) | BigInt(byte), 0n);

  it("writes every value of every length in that length's width, and reads back to it", () => {
    // 1 to 6 bytes take plain arithmetic, longer inputs BigInt: both must agree with the definition.
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 24 }), (bytes) => {
        const encoded = encodeBase58Fixed(bytes);
        const widthOfAllOnes = encodeBase58Fixed(new Uint8Array(bytes.length).fill(255)).length;
        expect(encoded).toMatch(/^[1-9A-HJ-NP-Za-km-z]+$/);
        expect(encoded.length).toBe(widthOfAllOnes);
        expect(decode(encoded)).toBe(numberOf(bytes));
      }),
    );
  });
});

describe("API key parser", () => {
  const kindPrefix = fc.constantFrom("pk", "sk");
  const mode = fc.constantFrom("test", "live");
  const body = fc.uint8Array({ minLength: API_KEY_BODY_BYTES, maxLength: API_KEY_BODY_BYTES });

  async function keyOf(prefix: string, keyMode: string, bytes: Uint8Array) {
    const prefixAndBody = `${prefix}_${keyMode}_${encodeBase58Fixed(bytes)}`;
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(prefixAndBody)));
    return { plaintext: prefixAndBody + encodeBase58Fixed(digest.slice(0, 4)), lookupHash: base64url.encode(digest) };
  }

  it("every well-formed key parses back to its kind, mode and look-up hash", async () => {
    await fc.assert(
      fc.asyncProperty(kindPrefix, mode, body, async (prefix, keyMode, bytes) => {
        const { plaintext, lookupHash } = await keyOf(prefix, keyMode, bytes);
        expect(await parseApiKey(plaintext)).toEqual({
          kind: prefix === "pk" ? "publishable" : "secret",
          mode: keyMode,
          lookupHash,
        });
      }),
    );
  });

  it("changing any one character of a key after its prefix makes it unparseable", async () => {
    await fc.assert(
      fc.asyncProperty(
        kindPrefix,
        mode,
        body,
        fc.integer({ min: 8, max: API_KEY_LENGTH - 1 }),
        fc.integer({ min: 1, max: BASE58_ALPHABET.length - 1 }),
        async (prefix, keyMode, bytes, index, shift) => {
          const { plaintext } = await keyOf(prefix, keyMode, bytes);
          const current = BASE58_ALPHABET.indexOf(plaintext.charAt(index));
          const replacement = BASE58_ALPHABET.charAt((current + shift) % BASE58_ALPHABET.length);
          const typo = plaintext.slice(0, index) + replacement + plaintext.slice(index + 1);
          expect(await parseApiKey(typo)).toBeNull();
        },
      ),
    );
  });

  it("arbitrary text never throws, and only a string of exactly the key's length can parse", async () => {
    await fc.assert(
      fc.asyncProperty(hostileText, async (text) => {
        const parsed = await parseApiKey(text);
        if (parsed !== null) expect(text).toHaveLength(API_KEY_LENGTH);
      }),
    );
  });

  it("a truncated or extended key never parses", async () => {
    await fc.assert(
      fc.asyncProperty(kindPrefix, mode, body, fc.integer({ min: 1, max: 10 }), async (prefix, keyMode, bytes, n) => {
        const { plaintext } = await keyOf(prefix, keyMode, bytes);
        expect(await parseApiKey(plaintext.slice(0, -n))).toBeNull();
        expect(await parseApiKey(plaintext + "1".repeat(n))).toBeNull();
      }),
    );
  });
});

describe("JWT compact header parser", () => {
  const segment = fc.uint8Array({ minLength: 1, maxLength: 64 }).map((bytes) => base64url.encode(bytes));
  const header = fc.record(
    { alg: fc.string({ maxLength: 10 }), kid: fc.string({ maxLength: 40 }), typ: fc.string({ maxLength: 20 }) },
    { requiredKeys: ["alg", "kid"] },
  );

  it("arbitrary text never throws and is never taken for a header", () => {
    fc.assert(
      fc.property(hostileText, (text) => {
        const parsed = parseCompactHeader(text);
        if (typeof parsed !== "string") {
          // Only three canonical base64url segments whose first is a JSON object can get here.
          expect(text.split(".")).toHaveLength(3);
        }
      }),
    );
  });

  it("a header we would write parses back to its alg, kid and typ", () => {
    fc.assert(
      fc.property(header, segment, segment, (fields, payload, signature) => {
        expect(parseCompactHeader(`${b64(fields)}.${payload}.${signature}`)).toEqual({ typ: undefined, ...fields });
      }),
    );
  });

  it("any header that points at other keys or demands extensions is refused as forbidden", () => {
    const forbidden = fc.constantFrom("jwk", "jku", "x5u", "x5c", "x5t", "x5t#S256", "crit", "b64");
    fc.assert(
      fc.property(header, forbidden, fc.jsonValue(), segment, segment, (fields, name, value, payload, signature) => {
        const token = `${b64({ ...fields, [name]: value })}.${payload}.${signature}`;
        expect(parseCompactHeader(token)).toBe("forbidden_header");
      }),
    );
  });

  it("a non-canonical segment (padding, a stray character) or a token over the size limit is malformed", () => {
    fc.assert(
      fc.property(header, segment, segment, fc.constantFrom("=", "==", "+", "/", " "), (fields, payload, sig, junk) => {
        expect(parseCompactHeader(`${b64(fields)}${junk}.${payload}.${sig}`)).toBe("malformed");
        expect(parseCompactHeader(`${b64(fields)}.${payload}.${sig}${"A".repeat(MAX_TOKEN_LENGTH)}`)).toBe("malformed");
      }),
    );
  });
});

describe("session cookie parser", () => {
  const id = (length: number) => fc.stringMatching(new RegExp(`^[A-Za-z0-9_-]{${length}}$`));
  const userId = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);

  it("a cookie we would set parses back to its three parts", () => {
    fc.assert(
      fc.property(userId, id(22), id(43), (userPublicId, sessionId, secret) => {
        expect(parseSessionCookie(`${userPublicId}.${sessionId}.${secret}`)).toEqual({
          userPublicId,
          sessionId,
          secret,
        });
      }),
    );
  });

  it("arbitrary text never throws, and whatever parses is exactly the text it came from", () => {
    fc.assert(
      fc.property(hostileText, (text) => {
        const parts = parseSessionCookie(text);
        if (parts) expect(`${parts.userPublicId}.${parts.sessionId}.${parts.secret}`).toBe(text);
      }),
    );
  });

  it("one character outside the cookie alphabet anywhere makes it unparseable", () => {
    const outsider = fc.constantFrom(".", ":", "/", "%", " ", "\u0000", "é", "=", ";");
    fc.assert(
      fc.property(userId, id(22), id(43), outsider, fc.nat(), (userPublicId, sessionId, secret, bad, at) => {
        const value = `${userPublicId}.${sessionId}.${secret}`;
        const index = at % (value.length + 1);
        expect(parseSessionCookie(value.slice(0, index) + bad + value.slice(index))).toBeNull();
      }),
    );
  });
});

describe("password hash parser", () => {
  const bytes = fc.uint8Array({ minLength: 1, maxLength: 64 });

  it("every hash string of our format parses back to its parameters, salt and hash", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9_999_999 }), fc.boolean(), bytes, bytes, (i, peppered, salt, hash) => {
        const stored = `$pbkdf2-sha256$v=1$i=${i},p=${peppered ? 1 : 0}$${base64url.encode(salt)}$${base64url.encode(hash)}`;
        const parsed = parsePasswordHash(stored);
        expect(parsed).not.toBeNull();
        expect(parsed?.iterations).toBe(i);
        expect(parsed?.peppered).toBe(peppered);
        expect(Array.from(parsed?.salt ?? [])).toEqual(Array.from(salt));
        expect(Array.from(parsed?.hash ?? [])).toEqual(Array.from(hash));
      }),
    );
  });

  it("arbitrary text never throws, and anything without our prefix is refused", () => {
    fc.assert(
      fc.property(hostileText, (text) => {
        const parsed = parsePasswordHash(text);
        if (!text.startsWith("$pbkdf2-sha256$v=1$")) expect(parsed).toBeNull();
      }),
    );
  });

  it("an iteration count too long to be ours or extra fields are refused", () => {
    fc.assert(
      fc.property(fc.integer({ min: 10_000_000 }), bytes, bytes, (i, salt, hash) => {
        const tail = `${base64url.encode(salt)}$${base64url.encode(hash)}`;
        expect(parsePasswordHash(`$pbkdf2-sha256$v=1$i=${i},p=0$${tail}`)).toBeNull();
        expect(parsePasswordHash(`$pbkdf2-sha256$v=1$i=1000,p=0$${tail}$extra`)).toBeNull();
      }),
    );
  });
});
