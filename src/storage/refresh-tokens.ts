import { and, eq, inArray, ne, sql } from "drizzle-orm";
import type { PersAuthType, RefreshTokenStatus } from "../domain";
import type { Database } from "./db";
import { refreshTokens, tenantUsers } from "./schema";

export interface NewRefreshToken {
  id: string;
  familyId: string;
  tenantId: number;
  tenantUserId: number;
  authType: PersAuthType;
  expiresAt: Date;
  now: Date;
}

/**
 * The first token of a new family (a token exchange), inserted only while its tenant user is
 * active: the check and the write are one statement on D1's primary, so an exchange that read the
 * user just before an operator disabled them writes nothing, or writes a row the disable then
 * revokes. Whether the row was written.
 */
export async function insertRefreshTokenForActiveUser(db: Database, token: NewRefreshToken): Promise<boolean> {
  const { now, ...values } = token;
  const rows = await db
    .insert(refreshTokens)
    .select(
      db
        .select({
          id: sql<string>`${values.id}`.as("id"),
          familyId: sql<string>`${values.familyId}`.as("family_id"),
          tenantId: tenantUsers.tenantId,
          tenantUserId: tenantUsers.id,
          authType: sql<PersAuthType>`${values.authType}`.as("auth_type"),
          status: sql<RefreshTokenStatus>`'active'`.as("status"),
          rotatedAt: sql<null>`NULL`.as("rotated_at"),
          replacedBy: sql<null>`NULL`.as("replaced_by"),
          expiresAt: sql<number>`${values.expiresAt.getTime()}`.as("expires_at"),
          createdAt: sql<number>`${now.getTime()}`.as("created_at"),
        })
        .from(tenantUsers)
        .where(
          and(
            eq(tenantUsers.id, values.tenantUserId),
            eq(tenantUsers.tenantId, values.tenantId),
            eq(tenantUsers.status, "active"),
          ),
        ),
    )
    .returning({ id: refreshTokens.id });
  return rows.length === 1;
}

/** What a refused rotation found: the presented token's row and the child it was rotated into. */
export interface RotationState {
  status: RefreshTokenStatus;
  rotatedAt: Date | null;
  replacedBy: string | null;
  childStatus: RefreshTokenStatus | null;
  childExpiresAt: Date | null;
}

export type RotationOutcome = { rotated: true } | { rotated: false; state: RotationState | null };

/**
 * The child's columns as correlated subqueries with distinct names: D1's batch results are keyed
 * by column name, so a self-join would make the parent's and the child's columns collide.
 */
const childStatus = sql<RefreshTokenStatus | null>`(SELECT c.status FROM refresh_tokens c WHERE c.id = refresh_tokens.replaced_by)`;
const childExpiresAtMs = sql<
  number | null
>`(SELECT c.expires_at FROM refresh_tokens c WHERE c.id = refresh_tokens.replaced_by)`;

/**
 * Rotates `parentId` into a new token `childId` — the check-and-set of refresh rotation, in one
 * `db.batch()` (one round trip to D1's primary, run atomically):
 *
 * 1. `UPDATE … SET status='rotated', replaced_by=child WHERE id=parent AND status='active'
 *    RETURNING` — of any number of concurrent refreshes of one token, exactly one matches;
 * 2. the child row is inserted only if step 1 pointed the parent at this very child, so a loser
 *    never creates a second live chain (the child inherits family, tenant, user and auth type
 *    from the parent row, not from the request);
 * 3. the parent's state (and its child's) is read back, for the caller to tell a concurrent
 *    refresh inside the grace window from a replay.
 */
export async function rotateRefreshToken(
  db: Database,
  rotation: { parentId: string; childId: string; childExpiresAt: Date; now: Date },
): Promise<RotationOutcome> {
  const { parentId, childId, childExpiresAt, now } = rotation;
  const [updated, , state] = await db.batch([
    db
      .update(refreshTokens)
      .set({ status: "rotated", rotatedAt: now, replacedBy: childId })
      .where(and(eq(refreshTokens.id, parentId), eq(refreshTokens.status, "active")))
      .returning({ id: refreshTokens.id }),
    db.insert(refreshTokens).select(
      db
        .select({
          id: sql<string>`${childId}`.as("id"),
          familyId: refreshTokens.familyId,
          tenantId: refreshTokens.tenantId,
          tenantUserId: refreshTokens.tenantUserId,
          authType: refreshTokens.authType,
          status: sql<RefreshTokenStatus>`'active'`.as("status"),
          rotatedAt: sql<null>`NULL`.as("rotated_at"),
          replacedBy: sql<null>`NULL`.as("replaced_by"),
          expiresAt: sql<number>`${childExpiresAt.getTime()}`.as("expires_at"),
          createdAt: sql<number>`${now.getTime()}`.as("created_at"),
        })
        .from(refreshTokens)
        .where(and(eq(refreshTokens.id, parentId), eq(refreshTokens.replacedBy, childId))),
    ),
    db
      .select({
        status: refreshTokens.status,
        rotatedAt: refreshTokens.rotatedAt,
        replacedBy: refreshTokens.replacedBy,
        childStatus: childStatus.as("child_status"),
        childExpiresAtMs: childExpiresAtMs.as("child_expires_at"),
      })
      .from(refreshTokens)
      .where(eq(refreshTokens.id, parentId)),
  ]);
  if (updated.length === 1) return { rotated: true };
  const row = state[0];
  if (!row) return { rotated: false, state: null };
  const { childExpiresAtMs: expiresMs, ...rest } = row;
  return { rotated: false, state: { ...rest, childExpiresAt: expiresMs === null ? null : new Date(expiresMs) } };
}

/** Revokes every token of a family (reuse detected, RFC 9700 §4.14.2). */
export async function revokeRefreshTokenFamily(db: Database, familyId: string): Promise<void> {
  await db
    .update(refreshTokens)
    .set({ status: "revoked" })
    .where(and(eq(refreshTokens.familyId, familyId), ne(refreshTokens.status, "revoked")));
}

/** D1 binds at most 100 parameters per statement; one is the tenant. */
const FAMILIES_PER_STATEMENT = 90;

/** Revokes every token of the tenant's families named; each statement names at most 90 of them. */
export async function revokeRefreshTokenFamilies(db: Database, tenantId: number, familyIds: string[]): Promise<void> {
  for (let start = 0; start < familyIds.length; start += FAMILIES_PER_STATEMENT) {
    await db
      .update(refreshTokens)
      .set({ status: "revoked" })
      .where(
        and(
          eq(refreshTokens.tenantId, tenantId),
          inArray(refreshTokens.familyId, familyIds.slice(start, start + FAMILIES_PER_STATEMENT)),
          ne(refreshTokens.status, "revoked"),
        ),
      );
  }
}

export async function findRefreshTokenStatus(db: Database, id: string): Promise<RefreshTokenStatus | null> {
  const row = await db
    .select({ status: refreshTokens.status })
    .from(refreshTokens)
    .where(eq(refreshTokens.id, id))
    .get();
  return row?.status ?? null;
}

/** Revokes every token of a tenant user (an admin's revocation); the families that had one not yet revoked. */
export async function revokeRefreshTokensOfTenantUser(
  db: Database,
  tenantId: number,
  tenantUserId: number,
): Promise<string[]> {
  const rows = await db
    .update(refreshTokens)
    .set({ status: "revoked" })
    .where(
      and(
        eq(refreshTokens.tenantId, tenantId),
        eq(refreshTokens.tenantUserId, tenantUserId),
        ne(refreshTokens.status, "revoked"),
      ),
    )
    .returning({ familyId: refreshTokens.familyId });
  return [...new Set(rows.map((row) => row.familyId))];
}
