import { and, desc, eq, lt, type SQL, sql } from "drizzle-orm";
import type { MemberRole, UserStatus, UserType } from "../domain";
import type { Database } from "./db";
import { type Page, type PageRequest, toPage } from "./pagination";
import { type BusinessRow, businesses, businessMembers, type UserRow, users } from "./schema";

export type BusinessSummary = Pick<BusinessRow, "id" | "publicId" | "name" | "status">;

export interface UserWithBusinesses {
  user: UserRow;
  businesses: BusinessSummary[];
}

/** The login read: the user and every business they belong to, in one query. */
export async function findUserWithBusinessesByEmail(
  db: Database,
  emailNormalized: string,
): Promise<UserWithBusinesses | null> {
  const rows = await db
    .select({
      user: users,
      business: {
        id: businesses.id,
        publicId: businesses.publicId,
        name: businesses.name,
        status: businesses.status,
      },
    })
    .from(users)
    .leftJoin(businessMembers, eq(businessMembers.userId, users.id))
    .leftJoin(businesses, eq(businesses.id, businessMembers.businessId))
    .where(eq(users.emailNormalized, emailNormalized))
    .orderBy(businesses.id);
  const first = rows[0];
  if (!first) return null;
  const owned = rows.flatMap((row) => (row.business ? [row.business] : []));
  return { user: first.user, businesses: owned };
}

export async function findUserByPublicId(db: Database, publicId: string): Promise<UserRow | null> {
  const row = await db.select().from(users).where(eq(users.publicId, publicId)).get();
  return row ?? null;
}

export async function findUserByEmail(db: Database, emailNormalized: string): Promise<UserRow | null> {
  const row = await db.select().from(users).where(eq(users.emailNormalized, emailNormalized)).get();
  return row ?? null;
}

/** Sets a user's password hash; returns the updated user, or null if there is none by that id. */
export async function updatePasswordHash(
  db: Database,
  userId: number,
  passwordHash: string,
  now: Date,
): Promise<UserRow | null> {
  const [row] = await db.update(users).set({ passwordHash, updatedAt: now }).where(eq(users.id, userId)).returning();
  return row ?? null;
}

/**
 * Re-hashes a password only if the stored hash is still the one that was verified: an upgrade
 * written after a login must never undo a password change that landed in between.
 */
export async function upgradePasswordHash(
  db: Database,
  userId: number,
  verifiedHash: string,
  passwordHash: string,
  now: Date,
): Promise<void> {
  await db
    .update(users)
    .set({ passwordHash, updatedAt: now })
    .where(and(eq(users.id, userId), eq(users.passwordHash, verifiedHash)));
}

export interface NewUser {
  publicId: string;
  userType: UserType;
  email: string;
  emailNormalized: string;
  firstName: string;
  lastName: string;
  displayName: string;
  phoneNumber: string | null;
  passwordHash: string;
  now: Date;
}

/** Inserts a user; returns null when the email is already taken (the unique index decides). */
export async function insertUserIfEmailFree(db: Database, user: NewUser): Promise<UserRow | null> {
  const { now, ...values } = user;
  const rows = await db
    .insert(users)
    .values({ ...values, createdAt: now, updatedAt: now })
    .onConflictDoNothing({ target: users.emailNormalized })
    .returning();
  return rows[0] ?? null;
}

/** Deletes a user inserted a moment ago that nothing refers to yet (a registration that could not finish). */
export async function deleteUserJustInserted(db: Database, userId: number): Promise<void> {
  await db.delete(users).where(eq(users.id, userId));
}

export interface NewMembership {
  businessId: number;
  role: MemberRole;
}

/**
 * Inserts a user and their memberships atomically (one D1 batch is one transaction). Returns null,
 * having written nothing, when the email is already taken.
 */
export async function insertUserWithMemberships(
  db: Database,
  user: NewUser,
  memberships: NewMembership[],
): Promise<UserRow | null> {
  const { now, ...values } = user;
  const insertUser = db
    .insert(users)
    .values({ ...values, createdAt: now, updatedAt: now })
    .onConflictDoNothing({ target: users.emailNormalized })
    .returning();
  // Each membership finds the user by its fresh public id, so it inserts nothing if the user did not.
  const insertMemberships = memberships.map((membership) =>
    db.insert(businessMembers).select(
      db
        .select({
          businessId: sql<number>`${membership.businessId}`.as("business_id"),
          userId: users.id,
          role: sql<MemberRole>`${membership.role}`.as("role"),
          createdAt: sql<Date>`${now.getTime()}`.as("created_at"),
        })
        .from(users)
        .where(eq(users.publicId, user.publicId)),
    ),
  );
  const [inserted] = await db.batch([insertUser, ...insertMemberships]);
  return inserted[0] ?? null;
}

export interface CallerMembership {
  userId: number;
  userType: UserType;
  status: UserStatus;
  /** The caller's role in the business, or null if they are not a member. */
  role: MemberRole | null;
}

/** The caller's account and their membership (if any) of one business, in one query. */
export async function findUserMembership(
  db: Database,
  userPublicId: string,
  businessId: number,
): Promise<CallerMembership | null> {
  const row = await db
    .select({ userId: users.id, userType: users.userType, status: users.status, role: businessMembers.role })
    .from(users)
    .leftJoin(businessMembers, and(eq(businessMembers.userId, users.id), eq(businessMembers.businessId, businessId)))
    .where(eq(users.publicId, userPublicId))
    .get();
  return row ?? null;
}

export async function listUsers(
  db: Database,
  filter: { userType?: UserType },
  page: PageRequest,
): Promise<Page<UserRow>> {
  const conditions: SQL[] = [];
  if (filter.userType !== undefined) conditions.push(eq(users.userType, filter.userType));
  if (page.beforeId !== undefined) conditions.push(lt(users.id, page.beforeId));
  const rows = await db
    .select()
    .from(users)
    .where(and(...conditions))
    .orderBy(desc(users.id))
    .limit(page.limit + 1);
  return toPage(rows, page.limit, (row) => row.id);
}

export async function setUserStatus(
  db: Database,
  userId: number,
  status: UserStatus,
  now: Date,
): Promise<UserRow | null> {
  const [row] = await db.update(users).set({ status, updatedAt: now }).where(eq(users.id, userId)).returning();
  return row ?? null;
}

/** The businesses a user belongs to, with their role in each. */
export async function listMembershipsOfUser(
  db: Database,
  userId: number,
): Promise<Array<{ business: BusinessRow; role: MemberRole }>> {
  return db
    .select({ business: businesses, role: businessMembers.role })
    .from(businessMembers)
    .innerJoin(businesses, eq(businesses.id, businessMembers.businessId))
    .where(eq(businessMembers.userId, userId))
    .orderBy(businesses.id);
}
