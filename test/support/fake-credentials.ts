import { afterAll, beforeAll } from "vitest";
import { AppError } from "../../src/errors";
import { credentialAuthenticators } from "../../src/gateway/credentials";
import type { ApiKeyPrincipal, Principal } from "../../src/services/principal";

/**
 * Stand-ins for the API-key and cookie-session services, plugged into the gateway's
 * authenticator registry only until the real ones are wired in. They let these tests drive the
 * gateway's own logic (permissions, sandbox, live-only, identity headers) with those credentials.
 */
function key(keyId: string, mode: "test" | "live", permissions: ApiKeyPrincipal["permissions"]): ApiKeyPrincipal {
  return { method: "api_key", keyId, tenantId: "tenant-acme", kind: "secret", mode, permissions };
}

export const FAKE_API_KEYS = {
  liveSms: { raw: "sk_live_fake_sms", principal: key("key-live-sms", "live", ["sms"]) },
  testSms: { raw: "sk_test_fake_sms", principal: key("key-test-sms", "test", ["sms"]) },
  liveEmail: { raw: "pk_live_fake_email", principal: key("key-live-email", "live", ["email", "whatsapp"]) },
  testEmail: { raw: "sk_test_fake_email", principal: key("key-test-email", "test", ["email"]) },
  liveBulk: { raw: "sk_live_fake_bulk", principal: key("key-live-bulk", "live", ["bulk", "sms"]) },
  testBulk: { raw: "sk_test_fake_bulk", principal: key("key-test-bulk", "test", ["bulk", "sms"]) },
  liveTemplates: { raw: "sk_live_fake_templates", principal: key("key-live-templates", "live", ["templates"]) },
} as const;

export const FAKE_SESSIONS: Record<string, Extract<Principal, { method: "session" }>> = {
  "cookie-user": { method: "session", userPublicId: "user-cookie-1", userType: "user", sessionId: "sess-cookie-1" },
  "cookie-agent": { method: "session", userPublicId: "agent-cookie-1", userType: "agent", sessionId: "sess-cookie-2" },
};

/** Registers the fakes for the tests of the current file, and restores the real registry after. */
export function useFakeCredentials() {
  const original = { ...credentialAuthenticators };
  const seen = { apiKeys: [] as string[], cookies: [] as string[] };
  beforeAll(() => {
    credentialAuthenticators.apiKey = async (_deps, rawKey) => {
      seen.apiKeys.push(rawKey);
      const found = Object.values(FAKE_API_KEYS).find((candidate) => candidate.raw === rawKey);
      // No challenge here on purpose: the gateway adds the credential's own.
      if (!found) throw new AppError("invalid_token", { detail: "unknown key", reason: "unknown_key" });
      return found.principal;
    };
    credentialAuthenticators.sessionCookie = async (_deps, cookie) => {
      seen.cookies.push(cookie);
      const found = FAKE_SESSIONS[cookie];
      if (!found) throw new AppError("invalid_token", { detail: "unknown session" });
      return found;
    };
  });
  afterAll(() => {
    Object.assign(credentialAuthenticators, original);
  });
  return seen;
}
