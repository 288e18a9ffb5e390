import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { DEMO_API_KEYS, demoApiKeySeedStatements } from "../../scripts/lib/demo-api-keys";
import { parseApiKey } from "../../src/crypto/api-key-format";
import { openDatabase } from "../../src/storage/db";
import { apiKeys } from "../../src/storage/schema";
import { createUser } from "../support/accounts";
import { businessPublicIdOf, keyRowsOfBusiness, presentKey } from "../support/api-keys";
import { echoOf } from "../support/origins";
import { send } from "../support/worker";

async function runAll(statements: string[]) {
  for (const statement of statements) await env.DB.prepare(statement).run();
}

describe("demo API keys", () => {
  it("are well-formed keys of the kind and mode they claim", async () => {
    for (const key of DEMO_API_KEYS) {
      expect(await parseApiKey(key.plaintext)).toMatchObject({ kind: key.kind, mode: key.mode });
      if (key.allowedOrigins) expect(key.kind).toBe("publishable");
    }
    expect(DEMO_API_KEYS.map((key) => key.plaintext.slice(0, 8)).sort()).toEqual([
      "pk_live_",
      "pk_live_",
      "pk_test_",
      "sk_live_",
      "sk_test_",
    ]);
  });

  it("include a pk_live_ key with sms, the key of the Ping seed's own example call", () => {
    expect(DEMO_API_KEYS).toContainEqual(
      expect.objectContaining({ kind: "publishable", mode: "live", permissions: ["sms"] }),
    );
  });

  // First, while no demo key exists yet: a conflict must not be what keeps the table unchanged.
  it("insert nothing when the business does not exist", async () => {
    const statements = await demoApiKeySeedStatements(crypto.randomUUID(), crypto.randomUUID());
    const before = await openDatabase(env.DB).select({ id: apiKeys.id }).from(apiKeys);
    await runAll(statements);
    const after = await openDatabase(env.DB).select({ id: apiKeys.id }).from(apiKeys);
    expect(after).toHaveLength(before.length);
  });

  it("seed idempotently and then authenticate as the business they were seeded for", async () => {
    const admin = await createUser({ userType: "adminuser", businessNames: ["Demo Corp"] });
    const businessPublicId = await businessPublicIdOf(admin.businessIds[0] ?? -1);
    const statements = await demoApiKeySeedStatements(businessPublicId, admin.publicId);
    await runAll(statements);
    await runAll(statements);
    expect(await keyRowsOfBusiness(businessPublicId)).toHaveLength(DEMO_API_KEYS.length);

    for (const key of DEMO_API_KEYS) {
      const res = await presentKey(key.plaintext);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({
        principal: {
          method: "api_key",
          key_id: key.publicId,
          tenant_id: businessPublicId,
          kind: key.kind,
          mode: key.mode,
          permissions: key.permissions,
        },
      });
    }
    const row = await openDatabase(env.DB).select().from(apiKeys).where(eq(apiKeys.publicId, "key_demo_sk_live")).get();
    expect(row?.createdBy).toBe(admin.id);
  });

  it("run the Ping seed's example call as written against the shipped route table (npm run dev)", async () => {
    // Seeds them if the test above did not (the statements are idempotent).
    const admin = await createUser({ userType: "adminuser", businessNames: ["Demo Corp"] });
    await runAll(await demoApiKeySeedStatements(await businessPublicIdOf(admin.businessIds[0] ?? -1), admin.publicId));
    const demoKey = DEMO_API_KEYS.find((key) => key.kind === "publishable" && key.permissions.includes("sms"));
    if (!demoKey) throw new Error("no demo pk_live_ key with sms");

    const res = await send(
      "/v1/notification/api/sms/send",
      {
        method: "POST",
        headers: { "X-Ping-Api-Key": demoKey.plaintext, "Content-Type": "application/json" },
        body: JSON.stringify({ to_phone: "+263771234567", message: "Your OTP is 123456" }),
      },
      { GATEWAY_ROUTES: "" }, // empty: the bundled gateway.routes.json, as `npm run dev` uses it
    );
    const echo = await echoOf(res);
    expect(res.status).toBe(200);
    expect(echo).toMatchObject({ upstream: "demo-upstream", sandbox: false, path: "/v1/notification/api/sms/send" });
    expect(echo.headers).toMatchObject({
      "x-auth-key-id": demoKey.publicId,
      "x-auth-permissions": "sms",
      "x-auth-mode": "live",
    });
    // From a page, only the origin the demo key lists may use it.
    const foreign = await send(
      "/v1/notification/api/sms/send",
      { method: "POST", headers: { "X-Ping-Api-Key": demoKey.plaintext, Origin: "https://evil.example" } },
      { GATEWAY_ROUTES: "" },
    );
    expect(foreign.status).toBe(403);
    expect(await foreign.json()).toMatchObject({ reason: "origin_not_allowed" });
  });
});
