import {
  type ApiKeyMode,
  type ApiKeyPermission,
  DANGEROUS_API_KEY_PERMISSIONS,
  MEMBER_ROLES,
  type MemberRole,
  type UserType,
} from "../../domain";

/**
 * What each role of a business may do with its API keys and members. Pure rules, no storage:
 *
 * | may…                                          | owner | admin | developer     | viewer |
 * |-----------------------------------------------|-------|-------|---------------|--------|
 * | list and read keys                            | yes   | yes   | yes           | yes    |
 * | create test keys (pk/sk)                      | yes   | yes   | yes           | no     |
 * | create live keys                              | yes   | yes   | no            | no     |
 * | grant a dangerous permission (`bulk`)         | yes   | yes   | no            | no     |
 * | roll or revoke a key                          | all   | all   | own (created) | no     |
 * | change a member's role                        | any   | not owners, never to owner | no | no |
 * | list the members                              | yes   | yes   | yes           | yes    |
 * | add a member                                  | any role | any role but owner | no  | no     |
 * | remove a member                               | any   | not owners | themselves | themselves |
 *
 * Rolling issues a new secret with the old key's mode and permissions, so it also needs the right
 * to create such a key. An `adminuser` acts as an owner of every business. The last owner of a
 * business can never be demoted or removed (enforced in storage, atomically), not even by leaving.
 */

/** The role a caller acts with: an `adminuser` is an owner everywhere; null means not a member. */
export function effectiveRole(caller: { userType: UserType; role: MemberRole | null }): MemberRole | null {
  return caller.userType === "adminuser" ? "owner" : caller.role;
}

const MANAGES_EVERY_KEY: ReadonlySet<MemberRole> = new Set(["owner", "admin"]);

/** Why a role may not create a key like this, or null if it may. */
export function keyCreationRefusal(
  role: MemberRole,
  key: { mode: ApiKeyMode; permissions: readonly ApiKeyPermission[] },
): string | null {
  if (MANAGES_EVERY_KEY.has(role)) return null;
  if (role === "viewer") return "viewers cannot create keys";
  if (key.mode === "live") return `${role}s cannot create live keys`;
  const dangerous = key.permissions.filter((p) => DANGEROUS_API_KEY_PERMISSIONS.includes(p));
  if (dangerous.length > 0) return `${role}s cannot grant ${dangerous.join(", ")}`;
  return null;
}

/** Why a role may not roll or revoke a key, or null if it may. */
export function keyManagementRefusal(role: MemberRole, createdByCaller: boolean): string | null {
  if (MANAGES_EVERY_KEY.has(role)) return null;
  if (role === "viewer") return "viewers cannot change keys";
  return createdByCaller ? null : `${role}s manage only the keys they created`;
}

/** Why a role may not move a member from `current` to `wanted`, or null if it may. */
export function roleChangeRefusal(role: MemberRole, current: MemberRole, wanted: MemberRole): string | null {
  if (role === "owner") return null;
  if (role !== "admin") return `${role}s cannot change roles`;
  if (current === "owner" || wanted === "owner") return "only owners make or unmake owners";
  return null;
}

/** Why a role may not add a member with the role `wanted`, or null if it may. */
export function memberAdditionRefusal(role: MemberRole, wanted: MemberRole): string | null {
  if (role === "owner") return null;
  if (role !== "admin") return `${role}s cannot add members`;
  return wanted === "owner" ? "only owners make or unmake owners" : null;
}

/**
 * The roles of the memberships a caller may remove: every member may leave; beyond that, owners
 * remove anyone and admins remove non-owners. Storage removes a membership only if its role, when
 * it writes, is one of these, so a rule is never applied to a role that changed meanwhile.
 */
export function removableRoles(role: MemberRole, removingThemselves: boolean): readonly MemberRole[] {
  if (removingThemselves || role === "owner") return MEMBER_ROLES;
  if (role === "admin") return MEMBER_ROLES.filter((r) => r !== "owner");
  return [];
}

/** Why a role may not remove a member who has `target`'s role, or null if it may. */
export function memberRemovalRefusal(role: MemberRole, target: MemberRole, removingThemselves: boolean): string | null {
  if (removableRoles(role, removingThemselves).includes(target)) return null;
  return role === "admin" ? "only owners remove owners" : `${role}s may remove only themselves`;
}
