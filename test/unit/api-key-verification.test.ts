import { describe, expect, it } from "vitest";
import { AppError } from "../../src/errors";
import { resizeApiKeyCache } from "../../src/services/api-keys/key-lookup";
import { createApiKey, rollApiKey } from "../../src/services/api-keys/management";
import { authenticateApiKey } from "../../src/services/api-keys/verification";
import type { UserActor } from "../../src/services/audit/audit-log";
import { authenticateCredentials } from "../../src/services/auth/authenticate";
import type { Deps } from "../../src/services/deps";
import { markApiKeyRevoked } from "../../src/storage/api-keys";
import { createUser } from "../support/accounts";
import { businessPublicIdOf, keyRowByPublicId } from "../support/api-keys";
import { testDeps, untouchable } from "../support/deps";

const SECOND = 1000;

/** As an isolate that never saw the keys, or had to make room: the memory tier emptied. */
function forgetEveryKeyInMemory(): void {
  resizeApiKeyCache(0);
  resizeApiKeyCache();
}

async function ownerActor(): Promise<{ actor: UserActor; businessPublicId: string }> {
  const user = await createUser({ businessNames: ["Verification Co"] });
  const businessPublicId = await businessPublicIdOf(user.businessIds[0] ?? -1);
  return {
    actor: { principal: { method: "jwt", userPublicId: user.publicId, userType: "user", sessionId: "test" } },
    businessPublicId,
  };
}

async function newKey(
  deps: Deps,
  fields: { expiresAt?: Date; kind?: "publishable" | "secret"; allowedOrigins?: string[] } = {},
) {
  const { actor, businessPublicId } = await ownerActor();
  const issued = await createApiKey(deps, actor, {
    businessPublicId,
    name: "Verification",
    kind: "secret",
    mode: "live",
    permissions: ["sms"],
    ...fields,
  });
  return { actor, plaintext: issued.plaintext, publicId: issued.key.key.publicId, keyId: issued.key.key.id };
}

async function refusalReason(work: Promise<unknown>): Promise<string | undefined> {
  try {
    await work;
  } catch (err) {
    if (err instanceof AppError) return `${err.code}:${err.options.reason}`;
    throw err;
  }
  return undefined;
}

describe("verifying API keys", () => {
  it("a warm verification touches neither D1 nor KV", async () => {
    const clock = await testDeps();
    const t0 = Date.now();
    const { plaintext } = await newKey(clock.at(t0));
    await authenticateApiKey(clock.at(t0), plaintext); // cold: D1, then cached
    await clock.settle();

    const warm = { ...clock.at(t0 + SECOND), db: untouchable<Deps["db"]>("D1"), kv: untouchable<Deps["kv"]>("KV") };
    const principal = await authenticateApiKey(warm, plaintext);
    expect(principal).toMatchObject({ method: "api_key", kind: "secret", mode: "live", permissions: ["sms"] });
  });

  it("a key this isolate no longer holds is answered by the location's Cache API without D1", async () => {
    const clock = await testDeps();
    const t0 = Date.now();
    const { plaintext } = await newKey(clock.at(t0));
    await authenticateApiKey(clock.at(t0), plaintext);
    await clock.settle(); // the Cache API write happens after the response
    forgetEveryKeyInMemory();

    const later = { ...clock.at(t0 + 10 * SECOND), db: untouchable<Deps["db"]>("D1") };
    await expect(authenticateApiKey(later, plaintext)).resolves.toMatchObject({ method: "api_key" });
  });

  it("a publishable key's origin list travels in both cache tiers, so it is judged without D1 or KV", async () => {
    const clock = await testDeps();
    const t0 = Date.now();
    const app = "https://app.example.com";
    const { plaintext } = await newKey(clock.at(t0), { kind: "publishable", allowedOrigins: [app] });
    await authenticateApiKey(clock.at(t0), plaintext, app);
    await clock.settle();

    const blind = (at: number) => ({
      ...clock.at(at),
      db: untouchable<Deps["db"]>("D1"),
      kv: untouchable<Deps["kv"]>("KV"),
    });
    for (const at of [t0 + SECOND, t0 + 10 * SECOND]) {
      // First from this isolate's memory, then (memory emptied) from the location's Cache API.
      if (at > t0 + SECOND) forgetEveryKeyInMemory();
      await expect(authenticateApiKey(blind(at), plaintext, app)).resolves.toMatchObject({ kind: "publishable" });
      await expect(authenticateApiKey(blind(at), plaintext)).resolves.toMatchObject({ kind: "publishable" });
      expect(await refusalReason(authenticateApiKey(blind(at), plaintext, "https://evil.example"))).toBe(
        "insufficient_permission:origin_not_allowed",
      );
    }
  });

  it("a key revoked in another location is refused here within the edge cache lifetime (60 s)", async () => {
    const clock = await testDeps({ apiKeyCacheSeconds: 30, apiKeyEdgeCacheSeconds: 60 });
    const t0 = Date.now();
    const { plaintext, keyId } = await newKey(clock.at(t0));
    await authenticateApiKey(clock.at(t0), plaintext);
    await clock.settle();

    // Revoked straight in D1, as another location would: this isolate's caches are not told.
    await markApiKeyRevoked(clock.at(t0).db, keyId, new Date(t0 + SECOND));
    await expect(authenticateApiKey(clock.at(t0 + 2 * SECOND), plaintext)).resolves.toBeDefined();
    await expect(authenticateApiKey(clock.at(t0 + 45 * SECOND), plaintext)).resolves.toBeDefined();
    expect(await refusalReason(authenticateApiKey(clock.at(t0 + 60 * SECOND), plaintext))).toBe(
      "invalid_api_key:revoked",
    );
    // And the refusal is what is cached now.
    expect(await refusalReason(authenticateApiKey(clock.at(t0 + 61 * SECOND), plaintext))).toBe(
      "invalid_api_key:revoked",
    );
  });

  it("a key stops working at its expiry, even while cached", async () => {
    const clock = await testDeps();
    const t0 = Date.now();
    const expiresAt = new Date(t0 + 10 * SECOND);
    const { plaintext } = await newKey(clock.at(t0), { expiresAt });
    await expect(authenticateApiKey(clock.at(t0), plaintext)).resolves.toBeDefined();
    await expect(authenticateApiKey(clock.at(expiresAt.getTime() - 1), plaintext)).resolves.toBeDefined();
    expect(await refusalReason(authenticateApiKey(clock.at(expiresAt), plaintext))).toBe("invalid_api_key:expired");
  });

  it("a rolled key works until its grace period ends, then is refused as revoked; its successor works on", async () => {
    const clock = await testDeps({ apiKeyRollGraceSeconds: 3600 });
    const t0 = Date.now();
    const { actor, plaintext, publicId } = await newKey(clock.at(t0));
    await authenticateApiKey(clock.at(t0), plaintext);
    const rolled = await rollApiKey(clock.at(t0 + SECOND), actor, publicId);
    const graceEnds = t0 + SECOND + 3600 * SECOND;
    expect(rolled.previous.key.graceUntil?.getTime()).toBe(graceEnds);

    await expect(authenticateApiKey(clock.at(graceEnds - 1), plaintext)).resolves.toBeDefined();
    expect(await refusalReason(authenticateApiKey(clock.at(graceEnds), plaintext))).toBe("invalid_api_key:revoked");
    await expect(authenticateApiKey(clock.at(graceEnds), rolled.plaintext)).resolves.toMatchObject({
      keyId: rolled.key.key.publicId,
    });
  });

  it("usage is counted in memory and written in one coalesced batch at most every few seconds", async () => {
    const clock = await testDeps();
    // Far enough ahead that no earlier test's flush is "recent".
    const t0 = Date.now() + 365 * 86_400 * SECOND;
    const { plaintext, publicId } = await newKey(clock.at(Date.now()));
    await clock.settle();

    await authenticateApiKey(clock.at(t0), plaintext);
    await clock.settle();
    expect(await keyRowByPublicId(publicId)).toMatchObject({ usageCount: 1, lastUsedAt: new Date(t0) });

    const before = clock.deferredCount();
    for (const offset of [1, 2, 3]) await authenticateApiKey(clock.at(t0 + offset * SECOND), plaintext);
    expect(clock.deferredCount()).toBe(before); // nothing written, nothing even scheduled
    expect(await keyRowByPublicId(publicId)).toMatchObject({ usageCount: 1 });

    await authenticateApiKey(clock.at(t0 + 6 * SECOND), plaintext);
    expect(clock.deferredCount()).toBe(before + 1);
    await clock.settle();
    expect(await keyRowByPublicId(publicId)).toMatchObject({
      usageCount: 5,
      lastUsedAt: new Date(t0 + 6 * SECOND),
    });
  });

  it("refuses a missing, malformed or unknown key without reading storage for the malformed ones", async () => {
    const clock = await testDeps();
    const blind = { ...clock.at(Date.now()), db: untouchable<Deps["db"]>("D1"), kv: untouchable<Deps["kv"]>("KV") };
    const withKey = (apiKey: string | undefined) =>
      authenticateCredentials(
        blind,
        { authorization: undefined, userType: undefined, apiKey, sessionCookie: undefined, origin: undefined },
        { accept: ["api_key"] },
      );
    expect(await refusalReason(withKey(undefined))).toBe("missing_credentials:undefined");
    expect(await refusalReason(withKey(""))).toBe("invalid_api_key:invalid_format");
    expect(await refusalReason(withKey(`sk_live_${"x".repeat(600)}`))).toBe("invalid_api_key:invalid_format");
    expect(await refusalReason(authenticateApiKey(blind, "sk_live_short"))).toBe("invalid_api_key:invalid_format");
    const { plaintext } = await newKey(clock.at(Date.now()));
    const typo = `${plaintext.slice(0, 20)}${plaintext[20] === "a" ? "b" : "a"}${plaintext.slice(21)}`;
    expect(await refusalReason(authenticateApiKey(blind, typo))).toBe("invalid_api_key:invalid_format");
  });
});
