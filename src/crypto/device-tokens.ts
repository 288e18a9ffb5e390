import { base64url } from "jose";
import { randomToken } from "./random";

const encoder = new TextEncoder();

/** What a device token proves: this client signed in to `accountPublicId` at `issuedAt`. */
export interface DeviceTokenClaims {
  accountPublicId: string;
  /** Random per token: the device's own rate-limit bucket. */
  nonce: string;
  issuedAt: Date;
}

const VERSION = "d1";
const TOKEN_PATTERN = /^d1\.([0-9A-Za-z-]{1,64})\.([0-9A-Za-z_-]{22})\.(\d{1,12})\.([0-9A-Za-z_-]{43})$/;

/**
 * The HMAC-SHA256 key for device tokens, derived with HKDF from the private half of the signing
 * key (so no new secret to provision). A different `info` keeps it apart from any other use of
 * that material; rotating the signing key therefore also retires every device token.
 */
export async function deriveDeviceTokenKey(signingKeyPrivate: string): Promise<CryptoKey> {
  const material = await crypto.subtle.importKey("raw", encoder.encode(signingKeyPrivate), "HKDF", false, [
    "deriveKey",
  ]);
  return crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: encoder.encode("gatehouse device token v1") },
    material,
    { name: "HMAC", hash: "SHA-256", length: 256 },
    false,
    ["sign", "verify"],
  );
}

function signedPart(claims: Omit<DeviceTokenClaims, "issuedAt"> & { issuedAtSeconds: number }): string {
  return `${VERSION}.${claims.accountPublicId}.${claims.nonce}.${claims.issuedAtSeconds}`;
}

/** `d1.<account public id>.<nonce>.<issued at, Unix seconds>.<HMAC>` */
export async function signDeviceToken(
  key: CryptoKey,
  claims: { accountPublicId: string; issuedAt: Date; nonce?: string },
): Promise<string> {
  const payload = signedPart({
    accountPublicId: claims.accountPublicId,
    nonce: claims.nonce ?? randomToken(16),
    issuedAtSeconds: Math.floor(claims.issuedAt.getTime() / 1000),
  });
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(payload)));
  return `${payload}.${base64url.encode(mac)}`;
}

/**
 * The claims of a well-formed token whose MAC matches (checked by `crypto.subtle.verify`, in
 * constant time), or null. Whether it is still fresh and for the right account is the caller's call.
 */
export async function readDeviceToken(key: CryptoKey, token: string): Promise<DeviceTokenClaims | null> {
  const match = TOKEN_PATTERN.exec(token);
  const [, accountPublicId, nonce, issuedAtSeconds, mac] = match ?? [];
  if (!accountPublicId || !nonce || !issuedAtSeconds || !mac) return null;
  const payload = signedPart({ accountPublicId, nonce, issuedAtSeconds: Number(issuedAtSeconds) });
  let macBytes: Uint8Array<ArrayBuffer>;
  try {
    macBytes = new Uint8Array(base64url.decode(mac));
  } catch {
    return null;
  }
  const valid = await crypto.subtle.verify("HMAC", key, macBytes, encoder.encode(payload));
  return valid ? { accountPublicId, nonce, issuedAt: new Date(Number(issuedAtSeconds) * 1000) } : null;
}
