import { sqlString } from "./sql.ts";
import { insertUserSql, type UserSeed } from "./users-sql.ts";

/** Fixed ids so the README's examples and the seed agree on every run. */
export const DEMO_BUSINESS = {
  publicId: "00000000-0000-4000-8000-000000000001",
  name: "Acme Corp",
  status: "verified",
} as const;

export const DEMO_USERS: UserSeed[] = [
  {
    publicId: "00000000-0000-4000-8000-0000000000b1",
    userType: "user",
    email: "ursula@example.com",
    password: "user-password-1",
    firstName: "Ursula",
    lastName: "User",
    phoneNumber: "+263771234567",
  },
  {
    publicId: "00000000-0000-4000-8000-0000000000a1",
    userType: "adminuser",
    email: "admin@example.com",
    password: "admin-password-1",
    firstName: "Ada",
    lastName: "Admin",
    phoneNumber: "+263771234568",
  },
  {
    publicId: "00000000-0000-4000-8000-0000000000c1",
    userType: "agent",
    email: "agent@example.com",
    password: "agent-password-1",
    firstName: "Aggie",
    lastName: "Agent",
    phoneNumber: "+263771234569",
  },
];

/** Every statement of the demo seed; each is idempotent, so the seed can run on every `npm run dev`. */
export async function demoSeedStatements(): Promise<string[]> {
  const business =
    "INSERT INTO businesses (public_id, name, status) " +
    `VALUES (${sqlString(DEMO_BUSINESS.publicId)}, ${sqlString(DEMO_BUSINESS.name)}, ${sqlString(DEMO_BUSINESS.status)}) ` +
    "ON CONFLICT DO NOTHING";
  const users = await Promise.all(DEMO_USERS.map((user) => insertUserSql(user)));
  const memberships = DEMO_USERS.map(
    (user) =>
      "INSERT INTO business_members (business_id, user_id, role) " +
      `SELECT b.id, u.id, ${sqlString(user.userType === "user" ? "owner" : "developer")} FROM businesses b, users u ` +
      `WHERE b.public_id = ${sqlString(DEMO_BUSINESS.publicId)} AND u.public_id = ${sqlString(user.publicId)} ` +
      "ON CONFLICT DO NOTHING",
  );
  return [business, ...users, ...memberships];
}
