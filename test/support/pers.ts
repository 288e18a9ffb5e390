import { env } from "cloudflare:workers";
import { count, eq } from "drizzle-orm";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { openDatabase } from "../../src/storage/db";
import { externalIdentities, refreshTokens, tenantUsers } from "../../src/storage/schema";
import { type TenantSettingsValues, upsertTenantSettings } from "../../src/storage/tenant-settings";
import type { TestTenant } from "./tenants";
import { sendJson } from "./worker";

export function exchange(tenant: TestTenant | string, body: unknown, headers: Record<string, string> = {}) {
  const key = typeof tenant === "string" ? tenant : tenant.projectKey;
  return sendJson("/v2/auth/token", "POST", body, { "X-API-Key": key, ...headers });
}

export function refresh(tenant: TestTenant, refreshToken: string) {
  return sendJson("/v2/auth/refresh", "POST", { refreshToken }, { "x-project-key": tenant.projectKey });
}

export function verify(tenant: TestTenant, authToken: string) {
  return sendJson(
    "/v2/auth/verify",
    "POST",
    { authToken },
    { "X-API-Key": tenant.projectKey, "x-project-key": tenant.projectKey },
  );
}

export async function configureTenant(tenant: TestTenant, settings: Partial<TenantSettingsValues>) {
  await upsertTenantSettings(
    openDatabase(env.DB),
    tenant.tenantId,
    {
      allowJwtForUnauthenticatedUsers: false,
      enabledAuthTypes: [],
      adminIdentities: [],
      allowedOrigins: null,
      ...settings,
    },
    new Date(),
  );
}

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
}

export function claimsOf(token: string) {
  return decodeJwt(token) as Record<string, unknown> & { jti: string; sub: string; family_id: string };
}

export function typOf(token: string) {
  return decodeProtectedHeader(token).typ;
}

/** What a tenant has in D1: counts that a refused request must leave unchanged. */
export async function tenantFootprint(tenant: TestTenant) {
  const db = openDatabase(env.DB);
  const [users] = await db.select({ n: count() }).from(tenantUsers).where(eq(tenantUsers.tenantId, tenant.tenantId));
  const [identities] = await db
    .select({ n: count() })
    .from(externalIdentities)
    .where(eq(externalIdentities.tenantId, tenant.tenantId));
  const [tokens] = await db
    .select({ n: count() })
    .from(refreshTokens)
    .where(eq(refreshTokens.tenantId, tenant.tenantId));
  return { tenantUsers: users?.n ?? 0, identities: identities?.n ?? 0, refreshTokens: tokens?.n ?? 0 };
}

export async function familyRows(familyId: string) {
  return openDatabase(env.DB).select().from(refreshTokens).where(eq(refreshTokens.familyId, familyId));
}
