import { describe, expect, it } from "vitest";
import { generateApiKey } from "../../src/crypto/api-key-format";
import { encodeBase58Fixed } from "../../src/crypto/base58";
import type { Principal } from "../../src/domain";
import { identityAssertion, signedAssertionBytes } from "../../src/gateway/assertion";
import { CACHE_BUDGET_BYTES, TOTAL_CACHE_BUDGET_BYTES } from "../../src/isolate-memory";
import { knownApiKeyBytes } from "../../src/services/api-keys/key-lookup";
import { apiKeyPrincipalOf } from "../../src/services/api-keys/verification";
import type { ApiKeyRecord } from "../../src/storage/api-keys";
import { testDeps } from "../support/deps";

const MiB = 1024 * 1024;

/** A key record as D1 returns it for a typical secret key: ids of the usual length, one permission. */
function typicalRecord(): ApiKeyRecord {
  return {
    id: 48_213,
    publicId: `key_${encodeBase58Fixed(crypto.getRandomValues(new Uint8Array(16)))}`,
    businessId: 1_204,
    tenantId: crypto.randomUUID(),
    businessSuspended: false,
    kind: "secret",
    mode: "live",
    permissions: ["sms"],
    allowedOrigins: null,
    expiresAt: null,
    revokedAt: null,
    graceUntil: null,
  };
}

describe("the isolate's one cache budget", () => {
  it("is the sum of every cache's share, well inside the isolate's 128 MB", () => {
    const shares = Object.values(CACHE_BUDGET_BYTES).reduce((sum, bytes) => sum + bytes, 0);
    expect(TOTAL_CACHE_BUDGET_BYTES).toBe(shares);
    expect(TOTAL_CACHE_BUDGET_BYTES).toBeLessThanOrEqual(48 * MiB);
  });

  it("holds more than 35,000 typical API keys, each with its parse and record", async () => {
    const key = await generateApiKey("secret", "live");
    const entryBytes = knownApiKeyBytes(key.plaintext, {
      parsed: { kind: key.kind, mode: key.mode, lookupHash: key.lookupHash },
      record: typicalRecord(),
      asOfSeq: 1,
    });
    expect(Math.floor(CACHE_BUDGET_BYTES.apiKeys / entryBytes)).toBeGreaterThan(35_000);
  });

  it("holds the assertions of more than 12,000 API-key principals, with room to spare", async () => {
    const record = typicalRecord();
    const principal: Principal = apiKeyPrincipalOf(record);
    const audience = "https://notification.internal";
    const deps = (await testDeps()).at(Date.now());
    const token = await identityAssertion(deps, principal, audience);
    const entryBytes = signedAssertionBytes(JSON.stringify([audience, principal]), {
      token,
      reuseUntilMs: Date.now(),
      keys: deps.keys,
    });
    expect(Math.floor(CACHE_BUDGET_BYTES.assertions / entryBytes)).toBeGreaterThan(15_000);
  });
});
