import { base64url } from "jose";
import { constantTimeEqual } from "./digest";
import type { Pepper } from "./peppers";

/**
 * Password hashes are self-describing PHC-style strings:
 *
 *   $pbkdf2-sha256$v=1$i=100000,p=1$<salt>$<hash>
 *
 * `i` is the iteration count and `p` says whether the secret pepper was mixed in (HMAC-SHA256 of
 * the password under the pepper, before PBKDF2). A stored hash whose parameters differ from the
 * current policy still verifies, and `needsRehash` tells the caller to upgrade it after a
 * successful login.
 *
 * Version 2 keys the result with a pepper named by id:
 *
 *   $pbkdf2-sha256$v=2$i=100000,k=<pepper id>$<salt>$<HMAC-SHA256(pepper, PBKDF2 output)>
 *
 * The HMAC comes after PBKDF2 so the full PBKDF2 work is still paid per guess, and the stored
 * value cannot be tested against any guess without the pepper, which never enters D1. `peppers`
 * lists the configured peppers, the first being current: a hash under another listed pepper still
 * verifies and is re-tagged on the next successful login.
 */
export interface PasswordPolicy {
  iterations: number;
  /** The legacy single pepper of v1 `p=1` hashes (verified, never written once `peppers` is set). */
  pepper?: string | undefined;
  peppers?: readonly Pepper[] | undefined;
}

interface ParsedHash {
  iterations: number;
  peppered: boolean;
  /** Set for v2 hashes. */
  pepperId?: string;
  salt: Uint8Array<ArrayBuffer>;
  hash: Uint8Array;
}

/** Cloudflare rejects PBKDF2 above 100,000 iterations in production; `wrangler dev` does not. */
export const PBKDF2_MAX_ITERATIONS = 100_000;
/** The fewest a deployment may configure: below it a leaked hash is cheap to guess. */
export const PBKDF2_MIN_ITERATIONS = 10_000;

const PREFIX = "$pbkdf2-sha256$v=1$";
const PREFIX_V2 = "$pbkdf2-sha256$v=2$";
const SALT_BYTES = 16;
const HASH_BITS = 256;
const encoder = new TextEncoder();

/**
 * Pepper HMAC keys, imported once per isolate: the configured peppers are few and fixed for the
 * isolate's life (config is parsed once per env), and an import costs more than the HMAC itself.
 */
const legacyPepperKeys = new Map<string, Promise<CryptoKey>>();
const pepperKeys = new WeakMap<Uint8Array, Promise<CryptoKey>>();

function importHmacKey(secret: BufferSource): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", secret, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
}

function legacyPepperKey(pepper: string): Promise<CryptoKey> {
  let key = legacyPepperKeys.get(pepper);
  if (!key) {
    key = importHmacKey(encoder.encode(pepper));
    legacyPepperKeys.set(pepper, key);
  }
  return key;
}

function pepperKey(pepper: Pepper): Promise<CryptoKey> {
  let key = pepperKeys.get(pepper.secret);
  if (!key) {
    key = importHmacKey(pepper.secret);
    pepperKeys.set(pepper.secret, key);
  }
  return key;
}

async function passwordMaterial(password: string, pepper: string | undefined): Promise<BufferSource> {
  const raw = encoder.encode(password);
  if (!pepper) return raw;
  return new Uint8Array(await crypto.subtle.sign("HMAC", await legacyPepperKey(pepper), raw));
}

async function derive(password: string, salt: BufferSource, iterations: number, pepper: string | undefined) {
  const material = await passwordMaterial(password, pepper);
  const key = await crypto.subtle.importKey("raw", material, "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, HASH_BITS);
  return new Uint8Array(bits);
}

async function keyWithPepper(derived: Uint8Array<ArrayBuffer>, pepper: Pepper): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign("HMAC", await pepperKey(pepper), derived));
}

export async function hashPassword(password: string, policy: PasswordPolicy): Promise<string> {
  if (policy.iterations > PBKDF2_MAX_ITERATIONS) throw new Error("PBKDF2 iterations above the Workers cap");
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const current = policy.peppers?.[0];
  if (current) {
    const keyed = await keyWithPepper(await derive(password, salt, policy.iterations, undefined), current);
    return `${PREFIX_V2}i=${policy.iterations},k=${current.id}$${base64url.encode(salt)}$${base64url.encode(keyed)}`;
  }
  const hash = await derive(password, salt, policy.iterations, policy.pepper);
  const params = `i=${policy.iterations},p=${policy.pepper ? 1 : 0}`;
  return `${PREFIX}${params}$${base64url.encode(salt)}$${base64url.encode(hash)}`;
}

function parseV2(stored: string): ParsedHash | null {
  const [params, salt, hash, ...rest] = stored.slice(PREFIX_V2.length).split("$");
  if (!params || !salt || !hash || rest.length > 0) return null;
  const match = /^i=(\d{1,7}),k=([A-Za-z0-9_-]{1,16})$/.exec(params);
  if (!match?.[2]) return null;
  try {
    return {
      iterations: Number(match[1]),
      peppered: true,
      pepperId: match[2],
      salt: new Uint8Array(base64url.decode(salt)),
      hash: base64url.decode(hash),
    };
  } catch {
    return null;
  }
}

export function parsePasswordHash(stored: string): ParsedHash | null {
  if (stored.startsWith(PREFIX_V2)) return parseV2(stored);
  if (!stored.startsWith(PREFIX)) return null;
  const [params, salt, hash, ...rest] = stored.slice(PREFIX.length).split("$");
  if (!params || !salt || !hash || rest.length > 0) return null;
  const match = /^i=(\d{1,7}),p=([01])$/.exec(params);
  if (!match) return null;
  try {
    return {
      iterations: Number(match[1]),
      peppered: match[2] === "1",
      salt: new Uint8Array(base64url.decode(salt)),
      hash: base64url.decode(hash),
    };
  } catch {
    return null;
  }
}

export interface PasswordCheck {
  valid: boolean;
  needsRehash: boolean;
}

/**
 * Verifies `password` against `stored`. With no stored hash (unknown account) it still runs one
 * full derivation against a throwaway salt, so the caller's timing does not reveal whether the
 * account exists.
 */
export async function verifyPassword(
  password: string,
  stored: string | null,
  policy: PasswordPolicy,
): Promise<PasswordCheck> {
  const parsed = stored ? parsePasswordHash(stored) : null;
  const v2Pepper = parsed?.pepperId ? policy.peppers?.find((pepper) => pepper.id === parsed.pepperId) : undefined;
  // A hash above the Workers cap could never be verified in production, and a peppered hash
  // cannot be checked without its pepper: all are unusable, and still cost one derivation.
  const unusable =
    !parsed ||
    parsed.iterations > PBKDF2_MAX_ITERATIONS ||
    (parsed.pepperId ? !v2Pepper : parsed.peppered && !policy.pepper);
  if (!parsed || unusable) {
    await dummyWork(password, policy);
    return { valid: false, needsRehash: false };
  }
  const candidate = v2Pepper
    ? await keyWithPepper(await derive(password, parsed.salt, parsed.iterations, undefined), v2Pepper)
    : await derive(password, parsed.salt, parsed.iterations, parsed.peppered ? policy.pepper : undefined);
  const valid = constantTimeEqual(candidate, parsed.hash);
  return { valid, needsRehash: valid && !matchesPolicy(parsed, policy) };
}

/** The same derivation (and pepper HMAC) a real check costs, so an unknown account takes as long. */
async function dummyWork(password: string, policy: PasswordPolicy): Promise<void> {
  const current = policy.peppers?.[0];
  const derived = await derive(
    password,
    new Uint8Array(SALT_BYTES),
    policy.iterations,
    current ? undefined : policy.pepper,
  );
  if (current) await keyWithPepper(derived, current);
}

function matchesPolicy(parsed: ParsedHash, policy: PasswordPolicy): boolean {
  if (parsed.iterations !== policy.iterations) return false;
  const current = policy.peppers?.[0];
  if (current) return parsed.pepperId === current.id;
  return !parsed.pepperId && parsed.peppered === Boolean(policy.pepper);
}
