import { env } from "cloudflare:workers";
import { AppError } from "../../src/errors";
import { type ProjectTenant, setProjectKeyResolver } from "../../src/services/tenants";
import { openDatabase } from "../../src/storage/db";
import { businesses } from "../../src/storage/schema";

/**
 * A stand-in for publishable-key verification (the API-key service, not merged yet): a few fixed
 * key strings map to tenants created in D1; everything else — unknown keys, revoked keys, secret
 * keys — is refused the way the real resolver must refuse it. Replaced at integration.
 */
const knownKeys = new Map<string, ProjectTenant>();
const revokedKeys = new Set<string>();

setProjectKeyResolver(async (_deps, key) => {
  if (key.startsWith("sk_")) throw new AppError("invalid_project_key", { detail: "secret key used as project key" });
  if (revokedKeys.has(key)) throw new AppError("invalid_project_key", { detail: "revoked key" });
  const tenant = knownKeys.get(key);
  if (!tenant) throw new AppError("invalid_project_key", { detail: "unknown key" });
  return tenant;
});

export interface TestTenant extends ProjectTenant {
  /** A publishable key the fake resolver maps to this tenant. */
  projectKey: string;
  /** A secret-looking key of the same tenant: always refused as a project key. */
  secretKey: string;
}

export async function createTenant(name = "Tenant"): Promise<TestTenant> {
  const db = openDatabase(env.DB);
  const now = new Date();
  const [row] = await db
    .insert(businesses)
    .values({ publicId: crypto.randomUUID(), name, status: "verified", createdAt: now, updatedAt: now })
    .returning();
  if (!row) throw new Error("business insert failed");
  const suffix = crypto.randomUUID().replaceAll("-", "");
  const tenant: ProjectTenant = { tenantId: row.id, tenantPublicId: row.publicId, mode: "test" };
  const projectKey = `pk_test_${suffix}`;
  knownKeys.set(projectKey, tenant);
  return { ...tenant, projectKey, secretKey: `sk_test_${suffix}` };
}

/** Revokes a project key in the fake resolver. */
export function revokeProjectKey(projectKey: string): void {
  revokedKeys.add(projectKey);
}

/** Maps a fresh project key to an existing business (e.g. the demo tenant). */
export function registerProjectKey(tenant: ProjectTenant): string {
  const projectKey = `pk_test_${crypto.randomUUID().replaceAll("-", "")}`;
  knownKeys.set(projectKey, tenant);
  return projectKey;
}
