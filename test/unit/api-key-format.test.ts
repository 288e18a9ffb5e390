import { describe, expect, it } from "vitest";
import { API_KEY_LENGTH, DISPLAY_PREFIX_LENGTH, generateApiKey, parseApiKey } from "../../src/crypto/api-key-format";
import { BASE58_ALPHABET } from "../../src/crypto/base58";
import { API_KEY_KINDS, API_KEY_MODES } from "../../src/domain";

const FORMATS = API_KEY_KINDS.flatMap((kind) => API_KEY_MODES.map((mode) => ({ kind, mode })));
const PREFIX = { publishable: "pk", secret: "sk" } as const;

function randomIndex(length: number): number {
  return (crypto.getRandomValues(new Uint32Array(1))[0] ?? 0) % length;
}

/** Another base58 character than `current`. */
function otherCharacter(current: string): string {
  const choices = BASE58_ALPHABET.replace(current, "");
  return choices.charAt(randomIndex(choices.length));
}

describe("API key format", () => {
  it.each(FORMATS)("a new $kind $mode key has its prefix, fixed length and display prefix", async ({ kind, mode }) => {
    const key = await generateApiKey(kind, mode);
    expect(key.plaintext.startsWith(`${PREFIX[kind]}_${mode}_`)).toBe(true);
    expect(key.plaintext).toHaveLength(API_KEY_LENGTH);
    expect(key.displayPrefix).toBe(key.plaintext.slice(0, DISPLAY_PREFIX_LENGTH));
    expect(key.plaintext.slice(8)).toMatch(/^[1-9A-HJ-NP-Za-km-z]+$/);
  });

  it("many random keys of every format parse back to their kind, mode and look-up hash", async () => {
    for (let i = 0; i < 400; i++) {
      const { kind, mode } = FORMATS[i % FORMATS.length] as (typeof FORMATS)[number];
      const key = await generateApiKey(kind, mode);
      expect(await parseApiKey(key.plaintext)).toEqual({ kind, mode, lookupHash: key.lookupHash });
    }
  });

  it("two keys never share a body or a hash", async () => {
    const keys = await Promise.all(Array.from({ length: 200 }, () => generateApiKey("secret", "live")));
    expect(new Set(keys.map((key) => key.plaintext)).size).toBe(200);
    expect(new Set(keys.map((key) => key.lookupHash)).size).toBe(200);
  });

  it("every single-character change after the prefix is caught by the checksum", async () => {
    for (let round = 0; round < 20; round++) {
      const { plaintext } = await generateApiKey(round % 2 ? "secret" : "publishable", round % 3 ? "live" : "test");
      for (let position = 8; position < plaintext.length; position++) {
        const changed =
          plaintext.slice(0, position) + otherCharacter(plaintext.charAt(position)) + plaintext.slice(position + 1);
        expect(await parseApiKey(changed), `change at ${position}`).toBeNull();
      }
    }
  });

  it("swapping two neighbouring characters is caught", async () => {
    const { plaintext } = await generateApiKey("secret", "test");
    for (let position = 8; position < plaintext.length - 1; position++) {
      if (plaintext[position] === plaintext[position + 1]) continue;
      const swapped =
        plaintext.slice(0, position) +
        plaintext.charAt(position + 1) +
        plaintext.charAt(position) +
        plaintext.slice(position + 2);
      expect(await parseApiKey(swapped)).toBeNull();
    }
  });

  it("every truncation and every extension is refused", async () => {
    const { plaintext } = await generateApiKey("secret", "live");
    for (let length = 0; length < plaintext.length; length++) {
      expect(await parseApiKey(plaintext.slice(0, length))).toBeNull();
    }
    expect(await parseApiKey(`${plaintext}1`)).toBeNull();
    expect(await parseApiKey(` ${plaintext}`)).toBeNull();
    expect(await parseApiKey(`${plaintext}\n`)).toBeNull();
  });

  it("a key moved to another kind or mode no longer checks out", async () => {
    const { plaintext } = await generateApiKey("secret", "test");
    const body = plaintext.slice("sk_test_".length);
    for (const prefix of ["pk_test_", "sk_live_", "pk_live_"]) {
      expect(await parseApiKey(prefix + body)).toBeNull();
    }
  });

  it("refuses unknown prefixes, ambiguous characters and oversized input without hashing", async () => {
    const { plaintext } = await generateApiKey("secret", "live");
    const body = plaintext.slice(8);
    expect(await parseApiKey(`rk_live_${body}`)).toBeNull();
    expect(await parseApiKey(`sk_prod_${body.slice(0, -1)}`)).toBeNull();
    expect(await parseApiKey(`SK_LIVE_${body}`)).toBeNull();
    for (const ambiguous of ["0", "O", "I", "l", "_", "-"]) {
      expect(await parseApiKey(`sk_live_${ambiguous}${body.slice(1)}`)).toBeNull();
    }
    expect(await parseApiKey("x".repeat(100_000))).toBeNull();
    expect(await parseApiKey("")).toBeNull();
  });
});
