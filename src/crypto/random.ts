import { base64url } from "jose";

/** `byteLength` bytes from the CSPRNG, base64url-encoded (no padding). */
export function randomToken(byteLength = 32): string {
  return base64url.encode(crypto.getRandomValues(new Uint8Array(byteLength)));
}

/** A 128-bit random identifier for sessions, token ids and the like. */
export function randomId(): string {
  return randomToken(16);
}
