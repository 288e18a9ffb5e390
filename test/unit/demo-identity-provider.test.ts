import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { DEMO_IDP, demoIdentitySeedStatements, signDemoIdentityToken } from "../../scripts/lib/demo-identity-provider";
import { findBusinessByPublicId } from "../../src/storage/businesses";
import { openDatabase } from "../../src/storage/db";
import { claimsOf, exchange } from "../support/pers";
import { registerProjectKey } from "../support/tenants";

/** `DEMO_BUSINESS.publicId` of scripts/lib/demo-data.ts. */
const DEMO_BUSINESS_ID = "00000000-0000-4000-8000-000000000001";

describe("the demo identity provider (README's curl walk-through)", () => {
  it("seeds idempotently, and its tokens exchange at the demo tenant", async () => {
    await env.DB.prepare(
      "INSERT INTO businesses (public_id, name, status) VALUES (?, 'Acme Corp', 'verified') ON CONFLICT DO NOTHING",
    )
      .bind(DEMO_BUSINESS_ID)
      .run();
    for (let run = 0; run < 2; run += 1) {
      for (const statement of demoIdentitySeedStatements(DEMO_BUSINESS_ID)) await env.DB.prepare(statement).run();
    }
    const demo = await findBusinessByPublicId(openDatabase(env.DB), DEMO_BUSINESS_ID);
    if (!demo) throw new Error("demo business missing");
    const projectKey = await registerProjectKey({ tenantId: demo.id, tenantPublicId: demo.publicId, mode: "test" });

    const user = await exchange(projectKey, { authToken: await signDemoIdentityToken({ subject: "demo-user-1" }) });
    expect(user.status).toBe(200);
    const adminToken = await signDemoIdentityToken({ subject: DEMO_IDP.adminSubject });
    const admin = await exchange(projectKey, { authToken: adminToken, authType: "tenant" });
    expect(claimsOf(((await admin.json()) as { accessToken: string }).accessToken).auth_type).toBe("tenant");
    expect((await exchange(projectKey, { rawLoginData: { someKey: "someValue" } })).status).toBe(200);
    expect((await exchange(projectKey, { authToken: adminToken, authType: "system" })).status).toBe(403);
  });
});
