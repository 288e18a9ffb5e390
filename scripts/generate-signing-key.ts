/**
 * Prints a new private signing JWK (for key rotation) or a whole new SIGNING_KEYS set.
 *
 *   npm run keys:generate              # one ES256 JWK
 *   npm run keys:generate -- EdDSA     # one Ed25519 JWK
 *   npm run keys:generate -- --set     # a complete SIGNING_KEYS value with one ES256 key
 */
import { generateSigningJwk, generateSigningKeySet, type KeyAlgorithm } from "./lib/signing-keys.ts";

const args = process.argv.slice(2);
if (args.includes("--set")) {
  console.log(await generateSigningKeySet(["ES256"]));
} else {
  const alg: KeyAlgorithm = args.includes("EdDSA") ? "EdDSA" : "ES256";
  console.log(JSON.stringify(await generateSigningJwk(alg)));
}
