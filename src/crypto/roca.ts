/**
 * The ROCA fingerprint (CVE-2017-15361, Nemec et al., "The Return of Coppersmith's Attack", CCS
 * 2017). Infineon's library built primes as k·M + (65537^a mod M), M a primorial, so every such
 * modulus N is, modulo each small prime p, a power of 65537. A random modulus passes that test
 * for all the primes below with negligible probability; a passing one is factorable and refused.
 * This is the detection of the authors' `roca-detect`, not a primitive.
 */

const FINGERPRINT_PRIMES = [
  3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97, 101, 103, 107, 109, 113,
  127, 131, 137, 139, 149, 151, 157, 163, 167,
];
const GENERATOR = 65537;

/** The residues modulo `p` that are powers of 65537: the subgroup it generates. */
function powersOfGenerator(p: number): Set<number> {
  const residues = new Set<number>();
  let power = 1;
  while (!residues.has(power)) {
    residues.add(power);
    power = (power * (GENERATOR % p)) % p;
  }
  return residues;
}

const FINGERPRINT = FINGERPRINT_PRIMES.map((p) => ({ p: BigInt(p), residues: powersOfGenerator(p) }));

/** Whether an RSA modulus carries the ROCA fingerprint (its key was made by the flawed generator). */
export function hasRocaFingerprint(modulus: bigint): boolean {
  if (modulus <= 0n) return false;
  return FINGERPRINT.every(({ p, residues }) => residues.has(Number(modulus % p)));
}
