import { exportJWK, generateKeyPair } from "jose";

export type KeyAlgorithm = "ES256" | "EdDSA";

/** A fresh private JWK with a `kid` and a pinned `alg`, as SIGNING_KEYS expects. */
export async function generateSigningJwk(alg: KeyAlgorithm = "ES256", kid?: string) {
  const { privateKey } = await generateKeyPair(alg === "ES256" ? "ES256" : "Ed25519", { extractable: true });
  const jwk = await exportJWK(privateKey);
  const stamp = new Date().toISOString().slice(0, 10);
  return { ...jwk, alg, kid: kid ?? `${stamp}-${crypto.randomUUID().slice(0, 8)}` };
}

/** A SIGNING_KEYS value: the first key signs, all verify. */
export async function generateSigningKeySet(algorithms: KeyAlgorithm[] = ["ES256"]): Promise<string> {
  const keys = await Promise.all(algorithms.map((alg) => generateSigningJwk(alg)));
  return JSON.stringify({ keys });
}
