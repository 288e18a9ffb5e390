import { env } from "cloudflare:workers";
import { hashPassword } from "../../src/crypto/passwords";
import type { MemberRole, UserType } from "../../src/domain";
import { readConfig } from "../../src/env";
import { openDatabase } from "../../src/storage/db";
import { businessMembers } from "../../src/storage/schema";
import { insertUserIfEmailFree } from "../../src/storage/users";
import { createBusiness } from "./tenants";

let counter = 0;

/** An email no other test uses, so tests share one D1 without colliding. */
export function uniqueEmail(prefix = "person"): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}-${crypto.randomUUID().slice(0, 6)}@example.com`;
}

export interface TestUser {
  id: number;
  publicId: string;
  email: string;
  password: string;
  userType: UserType;
  businessIds: number[];
}

/** Creates a user straight in D1, the way the admin API and seed scripts do. */
export async function createUser(
  options: {
    userType?: UserType;
    email?: string;
    password?: string;
    businessNames?: string[];
    firstName?: string;
  } = {},
): Promise<TestUser> {
  const db = openDatabase(env.DB);
  const config = readConfig(env);
  const email = options.email ?? uniqueEmail();
  const password = options.password ?? `pw-${crypto.randomUUID()}`;
  const userType = options.userType ?? "user";
  const now = new Date();
  const user = await insertUserIfEmailFree(db, {
    publicId: crypto.randomUUID(),
    userType,
    email,
    emailNormalized: email.trim().toLowerCase(),
    firstName: options.firstName ?? "Test",
    lastName: "Person",
    displayName: `${options.firstName ?? "Test"} Person`,
    phoneNumber: "+263771234567",
    passwordHash: await hashPassword(password, { iterations: config.pbkdf2Iterations, pepper: config.passwordPepper }),
    now,
  });
  if (!user) throw new Error(`email ${email} already taken`);
  const businessIds: number[] = [];
  for (const name of options.businessNames ?? []) {
    const business = await createBusiness(name, now);
    await db
      .insert(businessMembers)
      .values({ businessId: business.id, userId: user.id, role: "owner", createdAt: now });
    businessIds.push(business.id);
  }
  return { id: user.id, publicId: user.publicId, email, password, userType, businessIds };
}

/** How many users hold this email (compared the way registration compares: case-insensitively). */
export async function countUsersWithEmail(email: string): Promise<number> {
  const row = await env.DB.prepare("SELECT COUNT(*) AS n FROM users WHERE email_normalized = ?")
    .bind(email.trim().toLowerCase())
    .first<{ n: number }>();
  return row?.n ?? 0;
}

/** Makes `userId` a member of `businessId` with `role`, straight in D1 as the admin API does. */
export async function addMembership(businessId: number, userId: number, role: MemberRole): Promise<void> {
  await openDatabase(env.DB).insert(businessMembers).values({ businessId, userId, role, createdAt: new Date() });
}
