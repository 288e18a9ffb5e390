import { and, desc, eq, inArray, lt, ne, or, sql } from "drizzle-orm";
import type { MemberRole, UserStatus, UserType } from "../domain";
import type { Database } from "./db";
import { type Page, type PageRequest, toPage } from "./pagination";
import { businessMembers, users } from "./schema";

/**
 * The `business_members` table: who belongs to which business, with which role. Every write that
 * could leave a business without an owner is one conditional statement: D1 runs statements one at
 * a time, so the owner count it checks is the count when it writes, whatever runs beside it.
 */

export interface BusinessMember {
  userId: number;
  userPublicId: string;
  email: string;
  userType: UserType;
  status: UserStatus;
  role: MemberRole;
  joinedAt: Date;
}

const memberColumns = {
  userId: users.id,
  userPublicId: users.publicId,
  email: users.email,
  userType: users.userType,
  status: users.status,
  role: businessMembers.role,
  joinedAt: businessMembers.createdAt,
};

/** A business's members, newest account first (the primary key's order: no sort, no extra index). */
export async function listMembersOfBusiness(
  db: Database,
  businessId: number,
  page: PageRequest,
): Promise<Page<BusinessMember>> {
  const rows = await db
    .select(memberColumns)
    .from(businessMembers)
    .innerJoin(users, eq(users.id, businessMembers.userId))
    .where(
      and(
        eq(businessMembers.businessId, businessId),
        page.beforeId === undefined ? undefined : lt(businessMembers.userId, page.beforeId),
      ),
    )
    .orderBy(desc(businessMembers.userId))
    .limit(page.limit + 1);
  return toPage(rows, page.limit, (row) => row.userId);
}

/** Makes a user a member; false, having written nothing, when they already are one (the key decides). */
export async function insertMembershipIfAbsent(
  db: Database,
  membership: { businessId: number; userId: number; role: MemberRole; now: Date },
): Promise<boolean> {
  const { now, ...values } = membership;
  const rows = await db
    .insert(businessMembers)
    .values({ ...values, createdAt: now })
    .onConflictDoNothing({ target: [businessMembers.businessId, businessMembers.userId] })
    .returning({ role: businessMembers.role });
  return rows.length > 0;
}

const ownerCountOf = (db: Database, businessId: number) =>
  db
    .select({ n: sql<number>`count(*)` })
    .from(businessMembers)
    .where(and(eq(businessMembers.businessId, businessId), eq(businessMembers.role, "owner")));

/**
 * Sets a member's role from `fromRole` (the role the change was authorized against) unless that
 * would leave the business without an owner. One statement, so of two owners demoting each other
 * at once only the first succeeds, and a member whose role changed since it was read is left as it
 * is. False when nothing changed: not a member, no longer of `fromRole`, or the last owner.
 */
export async function updateMemberRoleKeepingAnOwner(
  db: Database,
  businessId: number,
  userId: number,
  fromRole: MemberRole,
  role: MemberRole,
): Promise<boolean> {
  const rows = await db
    .update(businessMembers)
    .set({ role })
    .where(
      and(
        eq(businessMembers.businessId, businessId),
        eq(businessMembers.userId, userId),
        eq(businessMembers.role, fromRole),
        or(sql`${role} = 'owner'`, ne(businessMembers.role, "owner"), sql`(${ownerCountOf(db, businessId)}) > 1`),
      ),
    )
    .returning({ role: businessMembers.role });
  return rows.length > 0;
}

/**
 * Removes a membership if its role, when the statement runs, is one of `removableRoles` and it is
 * not the business's last owner. One statement, so of two last owners removed at once only the
 * first goes, and a member promoted a moment ago is not removed under the rule of their old role.
 * Returns the role the membership had, or null when nothing was removed.
 */
export async function deleteMembershipKeepingAnOwner(
  db: Database,
  businessId: number,
  userId: number,
  removableRoles: readonly MemberRole[],
): Promise<MemberRole | null> {
  if (removableRoles.length === 0) return null;
  const rows = await db
    .delete(businessMembers)
    .where(
      and(
        eq(businessMembers.businessId, businessId),
        eq(businessMembers.userId, userId),
        inArray(businessMembers.role, [...removableRoles]),
        or(ne(businessMembers.role, "owner"), sql`(${ownerCountOf(db, businessId)}) > 1`),
      ),
    )
    .returning({ role: businessMembers.role });
  return rows[0]?.role ?? null;
}
