import { eq } from "drizzle-orm";
import type { Database } from "./db";
import { type BusinessRow, businesses, businessMembers, type UserRow, type UserType, users } from "./schema";

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

export async function updatePasswordHash(db: Database, userId: number, passwordHash: string, now: Date) {
  await db.update(users).set({ passwordHash, updatedAt: now }).where(eq(users.id, userId));
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
