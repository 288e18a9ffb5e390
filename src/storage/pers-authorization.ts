import { and, eq, gt } from "drizzle-orm";
import type {
  AdminIdentity,
  BusinessStatus,
  OptInAuthType,
  PersAuthType,
  TenantUserKind,
  TenantUserStatus,
} from "../domain";
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

/** The columns a family's authorization is read from, joined from its refresh-token row. */
function authorizationQuery(db: Database) {
  return db
    .select({
      familyId: refreshTokens.familyId,
      authType: refreshTokens.authType,
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
    );
}

type AuthorizationRow = Awaited<ReturnType<ReturnType<typeof authorizationQuery>["all"]>>[number];

function authorizationOf(row: AuthorizationRow): FamilyAuthorization {
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

/** The authorization behind the refresh token `jti`; null when the token's row is gone. */
export async function findFamilyAuthorization(db: Database, jti: string): Promise<FamilyAuthorization | null> {
  const row = await authorizationQuery(db).where(eq(refreshTokens.id, jti)).limit(1).get();
  return row ? authorizationOf(row) : null;
}

export interface LiveFamilyAuthorization {
  familyId: string;
  authType: PersAuthType;
  authorization: FamilyAuthorization;
}

/**
 * Every family of the tenant with a refresh token not yet revoked or expired, and what authorizes it now:
 * read after a change to what authorizes the tenant's sessions, so those it no longer authorizes
 * end at once. One row per family (its tokens share one authorization).
 */
export async function findLiveFamilyAuthorizations(
  db: Database,
  tenantId: number,
  now: Date,
): Promise<LiveFamilyAuthorization[]> {
  const rows = await authorizationQuery(db)
    .where(
      and(eq(refreshTokens.tenantId, tenantId), eq(refreshTokens.status, "active"), gt(refreshTokens.expiresAt, now)),
    )
    .all();
  const families = new Map<string, LiveFamilyAuthorization>();
  for (const row of rows) {
    families.set(row.familyId, { familyId: row.familyId, authType: row.authType, authorization: authorizationOf(row) });
  }
  return [...families.values()];
}
