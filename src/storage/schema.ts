import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const USER_TYPES = ["user", "adminuser", "agent"] as const;
export type UserType = (typeof USER_TYPES)[number];

export const USER_STATUSES = ["active", "disabled"] as const;
export const BUSINESS_STATUSES = ["pending", "verified", "suspended"] as const;
export const MEMBER_ROLES = ["owner", "member"] as const;

const createdAt = () =>
  integer("created_at", { mode: "timestamp_ms" }).notNull().default(sql`(unixepoch('subsec') * 1000)`);
const updatedAt = () =>
  integer("updated_at", { mode: "timestamp_ms" }).notNull().default(sql`(unixepoch('subsec') * 1000)`);

export const users = sqliteTable(
  "users",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    publicId: text("public_id").notNull(),
    userType: text("user_type", { enum: USER_TYPES }).notNull(),
    /** The address as the user typed it, for display. */
    email: text("email").notNull(),
    /** Lower-cased and trimmed: what uniqueness and look-ups use. */
    emailNormalized: text("email_normalized").notNull(),
    firstName: text("first_name").notNull().default(""),
    lastName: text("last_name").notNull().default(""),
    displayName: text("display_name").notNull().default(""),
    phoneNumber: text("phone_number"),
    passwordHash: text("password_hash"),
    status: text("status", { enum: USER_STATUSES }).notNull().default("active"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    uniqueIndex("users_public_id_unique").on(table.publicId),
    uniqueIndex("users_email_normalized_unique").on(table.emailNormalized),
  ],
);

export const businesses = sqliteTable(
  "businesses",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    publicId: text("public_id").notNull(),
    name: text("name").notNull(),
    status: text("status", { enum: BUSINESS_STATUSES }).notNull().default("pending"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [uniqueIndex("businesses_public_id_unique").on(table.publicId)],
);

export const businessMembers = sqliteTable(
  "business_members",
  {
    businessId: integer("business_id")
      .notNull()
      .references(() => businesses.id, { onDelete: "cascade" }),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    role: text("role", { enum: MEMBER_ROLES }).notNull().default("member"),
    createdAt: createdAt(),
  },
  (table) => [
    primaryKey({ columns: [table.businessId, table.userId] }),
    index("business_members_user_idx").on(table.userId),
  ],
);

export type UserRow = typeof users.$inferSelect;
export type BusinessRow = typeof businesses.$inferSelect;
