import { base64url } from "jose";
import type { ApiKeyKind, ApiKeyMode } from "../domain";
import { base58Length, encodeBase58Fixed } from "./base58";
import { sha256 } from "./digest";

/**
 * API keys look like `sk_live_<body><checksum>`:
 *
 * - prefix: `pk` (publishable) or `sk` (secret), then `test` or `live`;
 * - body: 24 bytes (192 bits) from the CSPRNG in fixed-width base58 (33 characters);
 * - checksum: the first 4 bytes of SHA-256(prefix + body) in fixed-width base58 (6 characters).
 *
 * The checksum lets a typo, a truncation or a random guess be refused without any storage read.
 * The same digest, base64url-encoded, is what storage keeps and looks keys up by: the body already
 * carries all the entropy, so verifying a key costs exactly one SHA-256. (A slow hash would add
 * nothing against guessing a 192-bit value and would cost CPU on every request.)
 */

export const API_KEY_BODY_BYTES = 24;
const CHECKSUM_BYTES = 4;
const BODY_LENGTH = base58Length(API_KEY_BODY_BYTES);
const CHECKSUM_LENGTH = base58Length(CHECKSUM_BYTES);
/** Long enough to tell keys apart in a list, far too short to guess the rest. */
export const DISPLAY_PREFIX_LENGTH = 12;

const KIND_PREFIX = { publishable: "pk", secret: "sk" } as const satisfies Record<ApiKeyKind, string>;
const KIND_OF_PREFIX = { pk: "publishable", sk: "secret" } as const satisfies Record<string, ApiKeyKind>;

const API_KEY_PATTERN = new RegExp(
  `^(pk|sk)_(test|live)_([1-9A-HJ-NP-Za-km-z]{${BODY_LENGTH}})([1-9A-HJ-NP-Za-km-z]{${CHECKSUM_LENGTH}})$`,
);
/** Every well-formed key has exactly this length; anything else is refused before the regex runs. */
export const API_KEY_LENGTH = "sk_live_".length + BODY_LENGTH + CHECKSUM_LENGTH;

export interface ParsedApiKey {
  kind: ApiKeyKind;
  mode: ApiKeyMode;
  /** SHA-256 (base64url) of the key without its checksum: the storage and cache look-up key. */
  lookupHash: string;
}

export interface GeneratedApiKey extends ParsedApiKey {
  /** Shown to its owner once, never stored. */
  plaintext: string;
  displayPrefix: string;
}

function checksumOf(digest: Uint8Array): string {
  return encodeBase58Fixed(digest.slice(0, CHECKSUM_BYTES));
}

export async function generateApiKey(kind: ApiKeyKind, mode: ApiKeyMode): Promise<GeneratedApiKey> {
  const body = encodeBase58Fixed(crypto.getRandomValues(new Uint8Array(API_KEY_BODY_BYTES)));
  const prefixAndBody = `${KIND_PREFIX[kind]}_${mode}_${body}`;
  const digest = await sha256(prefixAndBody);
  const plaintext = prefixAndBody + checksumOf(digest);
  return {
    plaintext,
    kind,
    mode,
    lookupHash: base64url.encode(digest),
    displayPrefix: plaintext.slice(0, DISPLAY_PREFIX_LENGTH),
  };
}

/**
 * Parses a presented key strictly, or returns null: wrong length, prefix or alphabet, or a
 * checksum that does not match. Pure apart from one SHA-256; touches no storage. The length is
 * checked first, so an oversized header costs nothing.
 */
export async function parseApiKey(presented: string): Promise<ParsedApiKey | null> {
  if (presented.length !== API_KEY_LENGTH) return null;
  const match = API_KEY_PATTERN.exec(presented);
  if (!match) return null;
  const [, kindPrefix, mode, body, checksum] = match as unknown as [string, "pk" | "sk", ApiKeyMode, string, string];
  const digest = await sha256(`${kindPrefix}_${mode}_${body}`);
  // The checksum is public (it is part of the key) and only guards against typos, so a plain
  // comparison is fine here; the secret part is matched by its hash in storage.
  if (checksumOf(digest) !== checksum) return null;
  return { kind: KIND_OF_PREFIX[kindPrefix], mode, lookupHash: base64url.encode(digest) };
}
