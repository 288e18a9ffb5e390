import { CompactSign, type CryptoKey, compactVerify, importJWK, type JWK } from "jose";
import { z } from "zod";
import { deriveDeviceTokenKey } from "./device-tokens";

/** Algorithms Gatehouse signs with. ES256 by default; EdDSA (Ed25519) is selectable per key. */
export const SIGNING_ALGORITHMS = ["ES256", "EdDSA"] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

/** A 32-byte value in base64url, as P-256 coordinates and scalars and Ed25519 keys are. */
const bytes32 = z.string().regex(/^[A-Za-z0-9_-]{43}$/, { error: "must be 32 bytes in base64url" });

const privateJwkSchema = z.union(
  [
    z.object({
      kty: z.literal("EC"),
      crv: z.literal("P-256"),
      alg: z.literal("ES256"),
      kid: z.string().min(1).max(128),
      x: bytes32,
      y: bytes32,
      d: bytes32,
    }),
    z.object({
      kty: z.literal("OKP"),
      crv: z.literal("Ed25519"),
      alg: z.literal("EdDSA"),
      kid: z.string().min(1).max(128),
      x: bytes32,
      d: bytes32,
    }),
  ],
  { error: "each key must be a private ES256 (P-256) or EdDSA (Ed25519) JWK with its kid, alg and d" },
);

const keySetSchema = z.object({ keys: z.array(privateJwkSchema).min(1, { error: "must hold at least one key" }) });
type PrivateJwk = z.infer<typeof privateJwkSchema>;

export interface VerificationKey {
  kid: string;
  alg: SigningAlgorithm;
  key: CryptoKey;
}

export interface SigningKeySet {
  /** The first key of the set: signs everything issued now. */
  signer: VerificationKey;
  /** HMAC key for device tokens (crypto/device-tokens.ts), derived from the signer's private half. */
  deviceTokenKey: CryptoKey;
  /** Every key of the set by `kid`, each pinned to its own algorithm. */
  verifiers: ReadonlyMap<string, VerificationKey>;
  /** The public halves, as published at `/.well-known/jwks.json`. */
  publicJwks: { keys: JWK[] };
}

function publicHalf(jwk: PrivateJwk): JWK {
  const { d: _private, ...rest } = jwk;
  return { ...rest, use: "sig" };
}

/** The key set in `secret`, checked without importing a key; throws naming what is wrong. */
function parseKeySet(secret: string): PrivateJwk[] {
  let json: unknown;
  try {
    json = JSON.parse(secret);
  } catch {
    throw new Error("SIGNING_KEYS is not valid JSON");
  }
  const parsed = keySetSchema.safeParse(json);
  if (!parsed.success) {
    const [issue] = parsed.error.issues;
    const where = issue?.path.length ? ` (${issue.path.join(".")})` : "";
    throw new Error(`SIGNING_KEYS is not a valid key set${where}: ${issue?.message}`);
  }
  const kids = new Set(parsed.data.keys.map((k) => k.kid));
  if (kids.size !== parsed.data.keys.length) throw new Error("SIGNING_KEYS has duplicate kid values");
  return parsed.data.keys;
}

/**
 * What is wrong with a SIGNING_KEYS value, or undefined: checked when the Worker starts and by
 * `npm run check:config`, so a bad or missing key set stops the Worker instead of failing every
 * request. (A key whose numbers are well formed but not a key fails at its first import.)
 */
export function signingKeysProblem(secret: string | undefined): string | undefined {
  if (!secret?.trim()) {
    return "SIGNING_KEYS is required: a JWK set with private keys (docs/configuration.md; `npx gatehouse signing-key --set` makes one)";
  }
  try {
    parseKeySet(secret);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

async function importKeySet(secret: string): Promise<SigningKeySet> {
  const keys = parseKeySet(secret);
  const verifiers = new Map<string, VerificationKey>();
  let signer: VerificationKey | undefined;
  let deviceTokenKey: CryptoKey | undefined;
  for (const [index, jwk] of keys.entries()) {
    const publicJwk = publicHalf(jwk);
    const publicKey = (await importJWK(publicJwk, jwk.alg)) as CryptoKey;
    verifiers.set(jwk.kid, { kid: jwk.kid, alg: jwk.alg, key: publicKey });
    if (index === 0) {
      signer = { kid: jwk.kid, alg: jwk.alg, key: (await importJWK(jwk, jwk.alg)) as CryptoKey };
      deviceTokenKey = await deriveDeviceTokenKey(jwk.d);
    }
  }
  if (!signer || !deviceTokenKey) throw new Error("SIGNING_KEYS has no keys");
  return { signer, deviceTokenKey, verifiers, publicJwks: { keys: keys.map(publicHalf) } };
}

// Importing keys costs far more than using them, so it happens once per isolate per secret value.
let cached: { secret: string; keys: Promise<SigningKeySet> } | undefined;

export function loadSigningKeys(secret: string): Promise<SigningKeySet> {
  if (cached?.secret !== secret) {
    const keys = importKeySet(secret);
    cached = { secret, keys };
    keys.catch(() => {
      if (cached?.keys === keys) cached = undefined;
    });
  }
  return cached.keys;
}

/**
 * What is wrong with a well-formed SIGNING_KEYS value that the shape check cannot see (a point off
 * its curve, a private half of another key), or undefined: every key imported, and a probe signed
 * with the signer and verified with its public half. Asynchronous, so `npm run check:config` runs
 * it; the Worker meets the same failure at its first request that needs the keys.
 */
export async function unusableSigningKeys(secret: string): Promise<string | undefined> {
  try {
    const keys = await importKeySet(secret);
    const probe = await new CompactSign(new TextEncoder().encode("probe"))
      .setProtectedHeader({ alg: keys.signer.alg })
      .sign(keys.signer.key);
    const verifier = keys.verifiers.get(keys.signer.kid);
    if (!verifier) return "SIGNING_KEYS: the signing key has no public half";
    await compactVerify(probe, verifier.key);
    return undefined;
  } catch (error) {
    return `SIGNING_KEYS holds a key that cannot sign or verify: ${(error as Error).message}`;
  }
}
