import { base64url } from "jose";
import { constantTimeEqual } from "./digest";

/**
 * Password hashes are self-describing PHC-style strings:
 *
 *   $pbkdf2-sha256$v=1$i=100000,p=1$<salt>$<hash>
 *
 * `i` is the iteration count and `p` says whether the secret pepper was mixed in (HMAC-SHA256 of
 * the password under the pepper, before PBKDF2). A stored hash whose parameters differ from the
 * current policy still verifies, and `needsRehash` tells the caller to upgrade it after a
 * successful login.
 */
export interface PasswordPolicy {
  iterations: number;
  pepper?: string | undefined;
}

interface ParsedHash {
  iterations: number;
  peppered: boolean;
  salt: Uint8Array<ArrayBuffer>;
  hash: Uint8Array;
}

/** Cloudflare rejects PBKDF2 above 100,000 iterations in production; `wrangler dev` does not. */
export const PBKDF2_MAX_ITERATIONS = 100_000;

const PREFIX = "$pbkdf2-sha256$v=1$";
const SALT_BYTES = 16;
const HASH_BITS = 256;
const encoder = new TextEncoder();

async function passwordMaterial(password: string, pepper: string | undefined): Promise<BufferSource> {
  const raw = encoder.encode(password);
  if (!pepper) return raw;
  const key = await crypto.subtle.importKey("raw", encoder.encode(pepper), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", key, raw));
}

async function derive(password: string, salt: BufferSource, iterations: number, pepper: string | undefined) {
  const material = await passwordMaterial(password, pepper);
  const key = await crypto.subtle.importKey("raw", material, "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, HASH_BITS);
  return new Uint8Array(bits);
}

export async function hashPassword(password: string, policy: PasswordPolicy): Promise<string> {
  if (policy.iterations > PBKDF2_MAX_ITERATIONS) throw new Error("PBKDF2 iterations above the Workers cap");
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const hash = await derive(password, salt, policy.iterations, policy.pepper);
  const params = `i=${policy.iterations},p=${policy.pepper ? 1 : 0}`;
  return `${PREFIX}${params}$${base64url.encode(salt)}$${base64url.encode(hash)}`;
}

export function parsePasswordHash(stored: string): ParsedHash | null {
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
  // A hash above the Workers cap could never be verified in production, and a peppered hash
  // cannot be checked without the pepper: both are unusable, and still cost one derivation.
  if (!parsed || parsed.iterations > PBKDF2_MAX_ITERATIONS || (parsed.peppered && !policy.pepper)) {
    await derive(password, new Uint8Array(SALT_BYTES), policy.iterations, policy.pepper);
    return { valid: false, needsRehash: false };
  }
  const candidate = await derive(password, parsed.salt, parsed.iterations, parsed.peppered ? policy.pepper : undefined);
  const valid = constantTimeEqual(candidate, parsed.hash);
  const needsRehash = valid && (parsed.iterations !== policy.iterations || parsed.peppered !== Boolean(policy.pepper));
  return { valid, needsRehash };
}
