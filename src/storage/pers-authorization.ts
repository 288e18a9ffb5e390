import { and, eq } from "drizzle-orm";
import type { AdminIdentity, BusinessStatus, OptInAuthType, TenantUserKind, TenantUserStatus } from "../domain";
import type { Database } from "./db";
import {
  businesses,
  externalIdentities,
  identityProviders,
  refreshTokens,
  tenantSettings,
  tenantUsers,
} from "./schema";

/** What authorized a PERS family, as D1 has it now: read on every refresh (one query). */
export interface FamilyAuthorization {
  tenantPublicId: string;
  tenantStatus: BusinessStatus;
  /** Null when the tenant never saved settings (the defaults apply). */
  settings: {
    allowJwtForUnauthenticatedUsers: boolean;
    enabledAuthTypes: OptInAuthType[];
    adminIdentities: AdminIdentity[];
  } | null;
  /** Null when the tenant user is gone. */
  tenantUser: { publicId: string; kind: TenantUserKind; status: TenantUserStatus } | null;
  /** The identity the user signed in with (null for anonymous users). */
  identity: { issuer: string; subject: string } | null;
  /** Whether the tenant still has an enabled provider for that identity's issuer. */
  providerEnabled: boolean;
}

/** The authorization behind the refresh token `jti`; null when the token's row is gone. */
export async function findFamilyAuthorization(db: Database, jti: string): Promise<FamilyAuthorization | null> {
  const row = await db
    .select({
      tenantPublicId: businesses.publicId,
      tenantStatus: businesses.status,
      settingsTenantId: tenantSettings.tenantId,
      allowJwtForUnauthenticatedUsers: tenantSettings.allowJwtForUnauthenticatedUsers,
      enabledAuthTypes: tenantSettings.enabledAuthTypes,
      adminIdentities: tenantSettings.adminIdentities,
      userPublicId: tenantUsers.publicId,
      userKind: tenantUsers.kind,
      userStatus: tenantUsers.status,
      issuer: externalIdentities.issuer,
      subject: externalIdentities.subject,
      providerId: identityProviders.id,
    })
    .from(refreshTokens)
    .innerJoin(businesses, eq(businesses.id, refreshTokens.tenantId))
    .leftJoin(tenantSettings, eq(tenantSettings.tenantId, refreshTokens.tenantId))
    .leftJoin(tenantUsers, eq(tenantUsers.id, refreshTokens.tenantUserId))
    .leftJoin(externalIdentities, eq(externalIdentities.tenantUserId, tenantUsers.id))
    .leftJoin(
      identityProviders,
      and(
        eq(identityProviders.tenantId, refreshTokens.tenantId),
        eq(identityProviders.issuer, externalIdentities.issuer),
        eq(identityProviders.enabled, true),
      ),
    )
    .where(eq(refreshTokens.id, jti))
    .limit(1)
    .get();
  if (!row) return null;
  return {
    tenantPublicId: row.tenantPublicId,
    tenantStatus: row.tenantStatus,
    settings:
      row.settingsTenantId === null
        ? null
        : {
            allowJwtForUnauthenticatedUsers: row.allowJwtForUnauthenticatedUsers ?? false,
            enabledAuthTypes: row.enabledAuthTypes ?? [],
            adminIdentities: row.adminIdentities ?? [],
          },
    tenantUser:
      row.userPublicId && row.userKind && row.userStatus
        ? { publicId: row.userPublicId, kind: row.userKind, status: row.userStatus }
        : null,
    identity: row.issuer && row.subject ? { issuer: row.issuer, subject: row.subject } : null,
    providerEnabled: row.providerId !== null,
  };
}
