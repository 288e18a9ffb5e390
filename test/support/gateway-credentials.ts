import { generateApiKey } from "../../src/crypto/api-key-format";
import type { ApiKeyMode, ApiKeyPermission } from "../../src/domain";
import { uniqueEmail } from "./accounts";
import { createKey, signedInOwner } from "./api-keys";
import { cookieLogin, registerUser } from "./cookies";
import { sessionIdOfCookie } from "./sessions";
import type { SignedIn } from "./tokens";

export interface RealKey {
  /** The key itself, as the tenant's server sends it in `X-Ping-Api-Key`. */
  raw: string;
  /** Its public id (`key_…`), what the origin learns as `X-Auth-Key-Id`. */
  keyId: string;
}

export interface TenantWithKeys {
  owner: SignedIn & { businessPublicId: string };
  /** The business's public id, what the origin learns as `X-Auth-Tenant-Id`. */
  tenantId: string;
  keys: {
    liveSms: RealKey;
    testSms: RealKey;
    liveEmailWhatsapp: RealKey;
    testEmail: RealKey;
    liveBulk: RealKey;
    testBulk: RealKey;
    liveTemplates: RealKey;
    /** Publishable with no permission at all: it names the tenant (a project key) and passes no route. */
    livePublishable: RealKey;
  };
}

/**
 * A business owned by a signed-in user, with real secret keys of each mode and permission set the
 * gateway tests need, all created through the management API (`POST /v1/api-keys`).
 */
export async function tenantWithGatewayKeys(): Promise<TenantWithKeys> {
  const owner = await signedInOwner();
  const issue = async (
    mode: ApiKeyMode,
    permissions: ApiKeyPermission[],
    kind: "secret" | "publishable" = "secret",
  ): Promise<RealKey> => {
    const created = await createKey(owner, { kind, mode, permissions, name: `${mode} ${permissions.join("+")}` });
    return { raw: created.key, keyId: created.api_key.id };
  };
  return {
    owner,
    tenantId: owner.businessPublicId,
    keys: {
      liveSms: await issue("live", ["sms"]),
      testSms: await issue("test", ["sms"]),
      liveEmailWhatsapp: await issue("live", ["email", "whatsapp"]),
      testEmail: await issue("test", ["email"]),
      liveBulk: await issue("live", ["bulk", "sms"]),
      testBulk: await issue("test", ["bulk", "sms"]),
      liveTemplates: await issue("live", ["templates"]),
      livePublishable: await issue("live", [], "publishable"),
    },
  };
}

/** A well-formed key (right prefix, length and checksum) that no tenant was ever issued. */
export async function neverIssuedKey(mode: ApiKeyMode = "live"): Promise<string> {
  return (await generateApiKey("secret", mode)).plaintext;
}

export interface CookieSession {
  /** The `session_token` cookie value. */
  cookie: string;
  userPublicId: string;
  sessionId: string;
}

/**
 * A person who registered through PingPage and then signed in again by cookie (no `User-Type`).
 * The user id is the one registration answered with; the session id is the middle part of the
 * cookie (`{userPublicId}.{sessionId}.{secret}`).
 */
export async function browserSession(): Promise<CookieSession> {
  const registered = await registerUser(uniqueEmail("browser"));
  const cookie = await cookieLogin(registered.email, registered.password);
  return { cookie, userPublicId: registered.id, sessionId: sessionIdOfCookie(cookie) };
}
