import { env } from "cloudflare:workers";
import { signDeviceToken } from "../../src/crypto/device-tokens";
import { loadSigningKeys } from "../../src/crypto/signing-keys";
import { DEVICE_TOKEN_TTL_SECONDS } from "../../src/services/auth/device-tokens";

/**
 * Device tokens that must not let a login past the account-wide limit for `ownerPublicId`: another
 * account's, an expired and a future-dated one, and the owner's own `device` with its account, its
 * MAC or its issue time altered, then plain garbage and an empty value.
 */
export async function deviceTokensThatMustNotHelp(
  ownerPublicId: string,
  device: string,
  other: { publicId: string; device: string },
): Promise<string[]> {
  const keys = await loadSigningKeys(env.SIGNING_KEYS);
  const expired = await signDeviceToken(keys.deviceTokenKey, {
    accountPublicId: ownerPublicId,
    issuedAt: new Date(Date.now() - (DEVICE_TOKEN_TTL_SECONDS + 60) * 1000),
  });
  const future = await signDeviceToken(keys.deviceTokenKey, {
    accountPublicId: ownerPublicId,
    issuedAt: new Date(Date.now() + 3_600_000),
  });
  const [version, , nonce, issuedAt, mac] = device.split(".");
  const forgedAccount = [version, other.publicId, nonce, issuedAt, mac].join(".");
  const forgedMac = `${device.slice(0, -2)}${device.endsWith("AA") ? "AB" : "AA"}`;
  const forgedIssuedAt = [version, ownerPublicId, nonce, String(Number(issuedAt) + 1), mac].join(".");
  return [other.device, expired, future, forgedAccount, forgedMac, forgedIssuedAt, "garbage", ""];
}
