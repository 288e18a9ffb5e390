/** The Bitcoin base58 alphabet: no 0/O or I/l, so a key read aloud or retyped stays unambiguous. */
export const BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const BASE = 58n;

/** Characters needed to write any `byteLength`-byte value in base58. */
export function base58Length(byteLength: number): number {
  return Math.ceil((byteLength * 8) / Math.log2(58));
}

/**
 * Base58 with a fixed width: the bytes as one big-endian number, left-padded with the zero digit
 * (`1`), so every value of `bytes.length` bytes has the same length and a strict regex can bound it.
 */
export function encodeBase58Fixed(bytes: Uint8Array): string {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  const width = base58Length(bytes.length);
  const digits: string[] = [];
  for (let i = 0; i < width; i++) {
    digits.push(BASE58_ALPHABET[Number(value % BASE)] as string);
    value /= BASE;
  }
  return digits.reverse().join("");
}
