import { type CryptoKey, importJWK, type JWK } from "jose";
import { z } from "zod";
import { deriveDeviceTokenKey } from "./device-tokens";

/** Algorithms Gatehouse signs with. ES256 by default; EdDSA (Ed25519) is selectable per key. */
export const SIGNING_ALGORITHMS = ["ES256", "EdDSA"] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

const privateJwkSchema = z.union([
  z.object({
    kty: z.literal("EC"),
    crv: z.literal("P-256"),
    alg: z.literal("ES256"),
    kid: z.string().min(1).max(128),
    x: z.string(),
    y: z.string(),
    d: z.string(),
  }),
  z.object({
    kty: z.literal("OKP"),
    crv: z.literal("Ed25519"),
    alg: z.literal("EdDSA"),
    kid: z.string().min(1).max(128),
    x: z.string(),
    d: z.string(),
  }),
]);

const keySetSchema = z.object({ keys: z.array(privateJwkSchema).min(1) });

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

function publicHalf(jwk: z.infer<typeof privateJwkSchema>): JWK {
  const { d: _private, ...rest } = jwk;
  return { ...rest, use: "sig" };
}

async function importKeySet(secret: string): Promise<SigningKeySet> {
  let json: unknown;
  try {
    json = JSON.parse(secret);
  } catch {
    throw new Error("SIGNING_KEYS is not valid JSON");
  }
  const parsed = keySetSchema.safeParse(json);
  if (!parsed.success) throw new Error(`SIGNING_KEYS is not a valid key set: ${parsed.error.issues[0]?.message}`);
  const kids = new Set(parsed.data.keys.map((k) => k.kid));
  if (kids.size !== parsed.data.keys.length) throw new Error("SIGNING_KEYS has duplicate kid values");

  const verifiers = new Map<string, VerificationKey>();
  let signer: VerificationKey | undefined;
  let deviceTokenKey: CryptoKey | undefined;
  for (const [index, jwk] of parsed.data.keys.entries()) {
    const publicJwk = publicHalf(jwk);
    const publicKey = (await importJWK(publicJwk, jwk.alg)) as CryptoKey;
    verifiers.set(jwk.kid, { kid: jwk.kid, alg: jwk.alg, key: publicKey });
    if (index === 0) {
      signer = { kid: jwk.kid, alg: jwk.alg, key: (await importJWK(jwk, jwk.alg)) as CryptoKey };
      deviceTokenKey = await deriveDeviceTokenKey(jwk.d);
    }
  }
  if (!signer || !deviceTokenKey) throw new Error("SIGNING_KEYS has no keys");
  return { signer, deviceTokenKey, verifiers, publicJwks: { keys: parsed.data.keys.map(publicHalf) } };
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
