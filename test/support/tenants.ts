import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { generateApiKey, parseApiKey } from "../../src/crypto/api-key-format";
import type { ApiKeyMode } from "../../src/domain";
import { forgetApiKey } from "../../src/services/api-keys/key-lookup";
import type { ProjectTenant } from "../../src/services/token-exchange/project-key";
import { insertApiKey, markApiKeyRevoked } from "../../src/storage/api-keys";
import { openDatabase } from "../../src/storage/db";
import { apiKeys, businesses } from "../../src/storage/schema";

export interface TestTenant extends ProjectTenant {
  /** A real publishable key (`pk_test_…`, or `pk_live_…` for a live tenant) of this tenant, stored in D1 like any other. */
  projectKey: string;
  /** A real secret key of the same tenant: always refused as a project key. */
  secretKey: string;
}

async function issueKey(businessId: number, kind: "publishable" | "secret", mode: ApiKeyMode): Promise<string> {
  const key = await generateApiKey(kind, mode);
  await insertApiKey(openDatabase(env.DB), {
    publicId: `key_${crypto.randomUUID().replaceAll("-", "").slice(0, 22)}`,
    businessId,
    name: `${kind} ${mode} key`,
    kind,
    mode,
    permissions: [],
    hash: key.lookupHash,
    displayPrefix: key.displayPrefix,
    createdBy: null,
    createdAt: new Date(),
    expiresAt: null,
  });
  return key.plaintext;
}

/** A verified business, straight in D1, the way the admin API and seed scripts make one. */
export async function createBusiness(name: string, now = new Date()): Promise<{ id: number; publicId: string }> {
  const [row] = await openDatabase(env.DB)
    .insert(businesses)
    .values({ publicId: crypto.randomUUID(), name, status: "verified", createdAt: now, updatedAt: now })
    .returning();
  if (!row) throw new Error("business insert failed");
  return row;
}

/** A business (tenant) with a real publishable key and a real secret key, both of `mode`. */
export async function createTenant(name = "Tenant", mode: ApiKeyMode = "test"): Promise<TestTenant> {
  const row = await createBusiness(name);
  const tenant: ProjectTenant = { tenantId: row.id, tenantPublicId: row.publicId, mode };
  return {
    ...tenant,
    projectKey: await issueKey(row.id, "publishable", mode),
    secretKey: await issueKey(row.id, "secret", mode),
  };
}

/** Revokes a project key in D1 and drops it from this location's caches, as the key API does. */
export async function revokeProjectKey(projectKey: string): Promise<void> {
  const db = openDatabase(env.DB);
  const parsed = await parseApiKey(projectKey);
  if (!parsed) throw new Error("not a key");
  const [row] = await db.select().from(apiKeys).where(eq(apiKeys.hash, parsed.lookupHash));
  if (!row) throw new Error("no such key");
  await markApiKeyRevoked(db, row.id, new Date());
  await forgetApiKey(row.hash, Date.now());
}

/** A fresh publishable key for an existing business (e.g. the demo tenant). */
export async function registerProjectKey(tenant: ProjectTenant): Promise<string> {
  return issueKey(tenant.tenantId, "publishable", tenant.mode);
}
