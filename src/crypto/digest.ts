import { base64url } from "jose";

const encoder = new TextEncoder();

export async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
}

/** SHA-256 of a high-entropy secret, base64url-encoded: how tokens and keys are stored. */
export async function sha256Base64url(text: string): Promise<string> {
  return base64url.encode(await sha256(text));
}

/**
 * Constant-time comparison of two byte strings. `timingSafeEqual` throws on unequal lengths,
 * so callers compare fixed-length digests; a length mismatch is simply "not equal".
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  return crypto.subtle.timingSafeEqual(a, b);
}
