/** The Bitcoin base58 alphabet: no 0/O or I/l, so a key read aloud or retyped stays unambiguous. */
export const BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const BASE = 58n;

/** Characters needed to write any `byteLength`-byte value in base58. */
export function base58Length(byteLength: number): number {
  return Math.ceil((byteLength * 8) / Math.log2(58));
}

/** Up to this many bytes, the value fits a double exactly (48 bits < 2^53). */
const MAX_NUMBER_BYTES = 6;

function encodeSmall(bytes: Uint8Array, width: number): string {
  let value = 0;
  for (const byte of bytes) value = value * 256 + byte;
  let digits = "";
  for (let i = 0; i < width; i++) {
    digits = (BASE58_ALPHABET[value % 58] as string) + digits;
    value = Math.floor(value / 58);
  }
  return digits;
}

/**
 * Base58 with a fixed width: the bytes as one big-endian number, left-padded with the zero digit
 * (`1`), so every value of `bytes.length` bytes has the same length and a strict regex can bound it.
 * Short inputs (an API key's checksum, computed on every key check) take plain arithmetic.
 */
export function encodeBase58Fixed(bytes: Uint8Array): string {
  const width = base58Length(bytes.length);
  if (bytes.length <= MAX_NUMBER_BYTES) return encodeSmall(bytes, width);
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  const digits: string[] = [];
  for (let i = 0; i < width; i++) {
    digits.push(BASE58_ALPHABET[Number(value % BASE)] as string);
    value /= BASE;
  }
  return digits.reverse().join("");
}
