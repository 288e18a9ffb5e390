import { env } from "cloudflare:workers";
import { and, eq } from "drizzle-orm";
import { expect } from "vitest";
import type { MemberRole, UserType } from "../../src/domain";
import { openDatabase } from "../../src/storage/db";
import { auditEvents, businesses, businessMembers, users } from "../../src/storage/schema";
import { addMembership, createUser } from "./accounts";
import { sendAs, signedInOwner } from "./api-keys";
import { type SignedIn, signedInUser, signIn } from "./tokens";

export type Member = SignedIn & { businessPublicId: string };
export type Team = Record<MemberRole, Member>;

/** A business with one member of each role (the owner created it; the developer is an agent). */
export async function newTeam(): Promise<Team> {
  const owner = await signedInOwner();
  const [businessId] = owner.businessIds;
  if (businessId === undefined) throw new Error("no business");
  const join = async (role: Exclude<MemberRole, "owner">, userType: UserType = "user"): Promise<Member> => {
    const user = await createUser({ userType });
    await addMembership(businessId, user.id, role);
    return { ...(await signIn(user)), businessPublicId: owner.businessPublicId };
  };
  const [admin, developer, viewer] = await Promise.all([join("admin"), join("developer", "agent"), join("viewer")]);
  return { owner, admin, developer, viewer };
}

/** The Ping 403 a member's role earns. */
export async function expectRoleRefusal(res: Response) {
  expect(res.status).toBe(403);
  expect(res.headers.get("WWW-Authenticate")).toContain('error="insufficient_scope"');
  expect(await res.json()).toEqual({
    result: "error",
    code: "insufficient_permission",
    message: "Your role in this business does not allow this.",
  });
}

export function auditOf(action: string, tenant: string) {
  return openDatabase(env.DB)
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.action, action), eq(auditEvents.tenant, tenant)));
}

/** The business's memberships straight from D1, as `{user public id: role}`. */
export async function rolesIn(businessPublicId: string): Promise<Record<string, MemberRole>> {
  const rows = await openDatabase(env.DB)
    .select({ user: users.publicId, role: businessMembers.role })
    .from(businessMembers)
    .innerJoin(users, eq(users.id, businessMembers.userId))
    .innerJoin(businesses, eq(businesses.id, businessMembers.businessId))
    .where(eq(businesses.publicId, businessPublicId));
  return Object.fromEntries(rows.map((row) => [row.user, row.role]));
}

export const ROLES: readonly MemberRole[] = ["owner", "admin", "developer", "viewer"];

/** A member as the member routes answer it. */
export interface MemberView {
  user_id: string;
  business_id: string;
  email_address: string;
  role: MemberRole;
  user_type: string;
  status: string;
  joined_at: string;
}

export const membersPath = (business: string) => `/v1/businesses/${business}/members`;

export function listAs(caller: Member, query = "") {
  return sendAs(caller, "GET", `${membersPath(caller.businessPublicId)}${query}`);
}

export function addAs(caller: Member, body: unknown) {
  return sendAs(caller, "POST", membersPath(caller.businessPublicId), body);
}

export function removeAs(caller: Member, member: { publicId: string }) {
  return sendAs(caller, "DELETE", `${membersPath(caller.businessPublicId)}/${member.publicId}`);
}

/** An adminuser who belongs to no business, acting on `team`'s. */
export async function outsideAdmin(team: Team): Promise<Member> {
  return { ...(await signedInUser("adminuser")), businessPublicId: team.owner.businessPublicId };
}

export async function businessIdOf(publicId: string): Promise<number> {
  const row = await openDatabase(env.DB).select().from(businesses).where(eq(businesses.publicId, publicId)).get();
  if (!row) throw new Error(`no business ${publicId}`);
  return row.id;
}

/** Another account made a member of `team`'s business with `role`, signed in. */
export async function joined(team: Team, role: MemberRole): Promise<Member> {
  const user = await createUser();
  await addMembership(await businessIdOf(team.owner.businessPublicId), user.id, role);
  return { ...(await signIn(user)), businessPublicId: team.owner.businessPublicId };
}
