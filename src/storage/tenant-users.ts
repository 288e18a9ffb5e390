import { and, desc, eq, lt, type SQL, sql } from "drizzle-orm";
import type { TenantUserStatus } from "../domain";
import type { Database } from "./db";
import { type Page, type PageRequest, toPage } from "./pagination";
import { externalIdentities, type TenantUserRow, tenantUsers } from "./schema";

export interface ExternalIdentityKey {
  tenantId: number;
  issuer: string;
  subject: string;
}

/** The tenant user an external identity is linked to (by issuer and subject, never by email). */
export async function findTenantUserByIdentity(
  db: Database,
  identity: ExternalIdentityKey,
): Promise<TenantUserRow | null> {
  const rows = await db
    .select({ user: tenantUsers })
    .from(externalIdentities)
    .innerJoin(tenantUsers, eq(tenantUsers.id, externalIdentities.tenantUserId))
    .where(
      and(
        eq(externalIdentities.tenantId, identity.tenantId),
        eq(externalIdentities.issuer, identity.issuer),
        eq(externalIdentities.subject, identity.subject),
      ),
    )
    .limit(1);
  return rows[0]?.user ?? null;
}

/**
 * Creates the tenant user for a first-seen identity, race-free without transactions: one
 * `db.batch()` (atomic on D1) inserts a candidate user, links the identity to it unless another
 * request linked it first (the unique index decides), deletes the candidate if it lost, and reads
 * back whichever user the identity is linked to.
 */
export async function linkNewTenantUser(
  db: Database,
  identity: ExternalIdentityKey & { candidatePublicId: string; email: string | null; name: string | null; now: Date },
): Promise<TenantUserRow> {
  const { tenantId, issuer, subject, candidatePublicId, email, name, now } = identity;
  const candidateId = sql`(SELECT ${tenantUsers.id} FROM ${tenantUsers} WHERE ${tenantUsers.publicId} = ${candidatePublicId})`;
  const [, , , linked] = await db.batch([
    db.insert(tenantUsers).values({
      publicId: candidatePublicId,
      tenantId,
      kind: "external",
      email,
      name,
      createdAt: now,
      updatedAt: now,
    }),
    db
      .insert(externalIdentities)
      .values({ tenantId, issuer, subject, tenantUserId: candidateId, createdAt: now })
      .onConflictDoNothing({
        target: [externalIdentities.tenantId, externalIdentities.issuer, externalIdentities.subject],
      }),
    db
      .delete(tenantUsers)
      .where(
        and(
          eq(tenantUsers.publicId, candidatePublicId),
          sql`NOT EXISTS (SELECT 1 FROM ${externalIdentities} WHERE ${externalIdentities.tenantUserId} = ${tenantUsers.id})`,
        ),
      ),
    db
      .select({ user: tenantUsers })
      .from(externalIdentities)
      .innerJoin(tenantUsers, eq(tenantUsers.id, externalIdentities.tenantUserId))
      .where(
        and(
          eq(externalIdentities.tenantId, tenantId),
          eq(externalIdentities.issuer, issuer),
          eq(externalIdentities.subject, subject),
        ),
      ),
  ]);
  const user = linked[0]?.user;
  if (!user) throw new Error("identity link batch returned no user");
  return user;
}

export async function insertAnonymousTenantUser(
  db: Database,
  user: { publicId: string; tenantId: number; rawLoginData: Record<string, unknown>; now: Date },
): Promise<TenantUserRow> {
  const { now, ...values } = user;
  const [row] = await db
    .insert(tenantUsers)
    .values({ ...values, kind: "anonymous", createdAt: now, updatedAt: now })
    .returning();
  if (!row) throw new Error("tenant user insert returned no row");
  return row;
}

/** Display data follows the provider's latest claims; it is never used to link identities. */
export async function updateTenantUserDisplay(
  db: Database,
  tenantUserId: number,
  display: { email: string | null; name: string | null },
  now: Date,
): Promise<void> {
  await db
    .update(tenantUsers)
    .set({ ...display, updatedAt: now })
    .where(eq(tenantUsers.id, tenantUserId));
}

export async function findTenantUserByPublicId(
  db: Database,
  tenantId: number,
  publicId: string,
): Promise<TenantUserRow | null> {
  const row = await db
    .select()
    .from(tenantUsers)
    .where(and(eq(tenantUsers.tenantId, tenantId), eq(tenantUsers.publicId, publicId)))
    .get();
  return row ?? null;
}

/** The status an operator set; the user's row as it is now, or null if it is gone. */
export async function setTenantUserStatus(
  db: Database,
  tenantUserId: number,
  status: TenantUserStatus,
  now: Date,
): Promise<TenantUserRow | null> {
  const [row] = await db
    .update(tenantUsers)
    .set({ status, updatedAt: now })
    .where(eq(tenantUsers.id, tenantUserId))
    .returning();
  return row ?? null;
}

/** A tenant user with the identity it signs in with (null for an anonymous user). */
export interface TenantUserWithIdentity {
  user: TenantUserRow;
  identity: { issuer: string; subject: string } | null;
}

export interface TenantUserFilter {
  status?: TenantUserStatus;
  /** Both or neither: the one user an identity is linked to. */
  identity?: { issuer: string; subject: string };
}

/** A tenant's users, newest first, each with its identity. */
export async function listTenantUsers(
  db: Database,
  tenantId: number,
  filter: TenantUserFilter,
  page: PageRequest,
): Promise<Page<TenantUserWithIdentity>> {
  const conditions: SQL[] = [eq(tenantUsers.tenantId, tenantId)];
  if (filter.status !== undefined) conditions.push(eq(tenantUsers.status, filter.status));
  if (filter.identity !== undefined) {
    conditions.push(
      eq(externalIdentities.tenantId, tenantId),
      eq(externalIdentities.issuer, filter.identity.issuer),
      eq(externalIdentities.subject, filter.identity.subject),
    );
  }
  if (page.beforeId !== undefined) conditions.push(lt(tenantUsers.id, page.beforeId));
  const rows = await db
    .select({ user: tenantUsers, issuer: externalIdentities.issuer, subject: externalIdentities.subject })
    .from(tenantUsers)
    .leftJoin(externalIdentities, eq(externalIdentities.tenantUserId, tenantUsers.id))
    .where(and(...conditions))
    .orderBy(desc(tenantUsers.id))
    .limit(page.limit + 1);
  return toPage(rows.map(withIdentity), page.limit, (row) => row.user.id);
}

/** One tenant user of the tenant, with its identity. */
export async function findTenantUserWithIdentity(
  db: Database,
  tenantId: number,
  publicId: string,
): Promise<TenantUserWithIdentity | null> {
  const row = await db
    .select({ user: tenantUsers, issuer: externalIdentities.issuer, subject: externalIdentities.subject })
    .from(tenantUsers)
    .leftJoin(externalIdentities, eq(externalIdentities.tenantUserId, tenantUsers.id))
    .where(and(eq(tenantUsers.tenantId, tenantId), eq(tenantUsers.publicId, publicId)))
    .get();
  return row ? withIdentity(row) : null;
}

function withIdentity(row: { user: TenantUserRow; issuer: string | null; subject: string | null }) {
  const identity = row.issuer !== null && row.subject !== null ? { issuer: row.issuer, subject: row.subject } : null;
  return { user: row.user, identity };
}
