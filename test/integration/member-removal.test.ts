import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { deleteMembershipKeepingAnOwner, updateMemberRoleKeepingAnOwner } from "../../src/storage/business-members";
import { openDatabase } from "../../src/storage/db";
import { createUser } from "../support/accounts";
import { createKey, keyRowByPublicId, presentKey, sendAs, signedInOwner } from "../support/api-keys";
import { signInToDashboard } from "../support/dashboard";
import {
  addAs,
  auditOf,
  businessIdOf,
  expectRoleRefusal,
  joined,
  listAs,
  membersPath,
  newTeam,
  outsideAdmin,
  ROLES,
  removeAs,
  rolesIn,
} from "../support/members";

/** `DELETE /v1/businesses/{id}/members/{user_id}`: removing a member, leaving, and the last owner. */

describe("removing a member", () => {
  it("an owner removes a developer: audited, and the developer's management access ends at once", async () => {
    const team = await newTeam();
    const { key, api_key } = await createKey(team.developer);
    const res = await removeAs(team.owner, team.developer);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      result: "success",
      member: { user_id: team.developer.publicId, business_id: team.owner.businessPublicId, role: "developer" },
    });
    expect(await auditOf("member.remove", team.owner.businessPublicId)).toEqual([
      expect.objectContaining({
        actorPublicId: team.owner.publicId,
        target: team.developer.publicId,
        details: { role: "developer", left: false },
      }),
    ]);

    const business = team.owner.businessPublicId;
    const gone = [
      await sendAs(team.developer, "GET", `/v1/api-keys?business_id=${business}`),
      await sendAs(team.developer, "GET", `/v1/api-keys/${api_key.id}`),
      await sendAs(team.developer, "POST", `/v1/api-keys/${api_key.id}/roll`),
      await sendAs(team.developer, "DELETE", `/v1/api-keys/${api_key.id}`),
      await sendAs(team.developer, "POST", "/v1/api-keys", {
        business_id: business,
        name: "After removal",
        kind: "secret",
        mode: "test",
        permissions: ["sms"],
      }),
      await listAs(team.developer),
    ];
    expect(gone.map((r) => r.status)).toEqual([404, 404, 404, 404, 404, 404]);

    // The key they created belongs to the business: it keeps working, and still names its creator.
    expect((await presentKey(key)).status).toBe(200);
    expect((await keyRowByPublicId(api_key.id))?.revokedAt).toBeNull();
    const seen = await sendAs(team.owner, "GET", `/v1/api-keys/${api_key.id}`);
    expect((await seen.json<{ api_key: { created_by: string } }>()).api_key.created_by).toBe(team.developer.publicId);
  });

  it("a removed member's dashboard shows the business no more", async () => {
    const team = await newTeam();
    const visitor = await signInToDashboard(team.viewer.email, team.viewer.password);
    expect((await visitor.get(`/dashboard/businesses/${team.owner.businessPublicId}/keys`)).status).toBe(200);
    expect(await (await visitor.get("/dashboard/businesses")).text()).toContain(team.owner.businessPublicId);
    expect((await removeAs(team.owner, team.viewer)).status).toBe(200);
    expect((await visitor.get(`/dashboard/businesses/${team.owner.businessPublicId}/keys`)).status).toBe(404);
    expect(await (await visitor.get("/dashboard/businesses")).text()).not.toContain(team.owner.businessPublicId);
  });

  it.each(["admin", "developer", "viewer"] as const)("a %s may leave", async (role) => {
    const team = await newTeam();
    const res = await removeAs(team[role], team[role]);
    expect(res.status).toBe(200);
    expect(Object.keys(await rolesIn(team.owner.businessPublicId))).not.toContain(team[role].publicId);
    const rows = await auditOf("member.remove", team.owner.businessPublicId);
    expect(rows[0]?.details).toEqual({ role, left: true });
  });

  it.each(["admin", "developer", "viewer"] as const)("an admin removes a %s", async (role) => {
    const team = await newTeam();
    const other = role === "admin" ? { publicId: (await joined(team, "admin")).publicId } : team[role];
    expect((await removeAs(team.admin, other)).status).toBe(200);
  });

  it("an admin may not remove an owner: 403, audited, the owner stays", async () => {
    const team = await newTeam();
    await expectRoleRefusal(await removeAs(team.admin, team.owner));
    expect((await rolesIn(team.owner.businessPublicId))[team.owner.publicId]).toBe("owner");
    expect(await auditOf("member.remove_refused", team.owner.businessPublicId)).toEqual([
      expect.objectContaining({
        actorPublicId: team.admin.publicId,
        target: team.owner.publicId,
        details: { role: "admin", member_role: "owner", reason: "only owners remove owners" },
      }),
    ]);
  });

  it.each(["developer", "viewer"] as const)("a %s may remove only themselves", async (role) => {
    const team = await newTeam();
    const before = await rolesIn(team.owner.businessPublicId);
    for (const other of ROLES.filter((r) => r !== role))
      await expectRoleRefusal(await removeAs(team[role], team[other]));
    expect(await rolesIn(team.owner.businessPublicId)).toEqual(before);
    const refused = await auditOf("member.remove_refused", team.owner.businessPublicId);
    expect(refused.map((row) => row.details?.reason)).toEqual(Array(3).fill(`${role}s may remove only themselves`));
  });

  it("the last owner may not leave, nor be removed by an adminuser: 409, audited, still an owner", async () => {
    const team = await newTeam();
    for (const caller of [team.owner, await outsideAdmin(team)]) {
      const res = await removeAs(caller, team.owner);
      expect(res.status).toBe(409);
      expect(await res.json()).toEqual({
        result: "error",
        code: "last_owner",
        message: "A business must keep at least one owner.",
      });
    }
    expect((await rolesIn(team.owner.businessPublicId))[team.owner.publicId]).toBe("owner");
    const refused = await auditOf("member.remove_refused", team.owner.businessPublicId);
    expect(refused.map((row) => row.details?.reason)).toEqual(["last owner", "last owner"]);
  });

  it("with a second owner, an owner removes the other; the one left may not leave", async () => {
    const team = await newTeam();
    const second = await joined(team, "owner");
    expect((await removeAs(team.owner, second)).status).toBe(200);
    expect((await removeAs(team.owner, team.owner)).status).toBe(409);
  });

  it("someone who is not a member is a 404; so is an outsider's or an unknown business's request", async () => {
    const team = await newTeam();
    const stranger = await createUser();
    const notMember = await removeAs(team.owner, stranger);
    expect(notMember.status).toBe(404);
    expect(await notMember.json()).toMatchObject({ code: "not_found", message: "Member not found." });
    const outsider = { ...(await signedInOwner()), businessPublicId: team.owner.businessPublicId };
    const refused = await removeAs(outsider, team.viewer);
    expect(refused.status).toBe(404);
    expect(await refused.json()).toMatchObject({ message: "Business not found." });
    const unknown = await sendAs(team.owner, "DELETE", `${membersPath(crypto.randomUUID())}/${team.viewer.publicId}`);
    expect(unknown.status).toBe(404);
    const malformed = await sendAs(team.owner, "DELETE", `${membersPath(team.owner.businessPublicId)}/bad!id`);
    expect(malformed.status).toBe(400);
    expect(Object.keys(await rolesIn(team.owner.businessPublicId))).toHaveLength(4);
    expect(await auditOf("member.remove", team.owner.businessPublicId)).toEqual([]);
  });

  it("removed, then added again: a fresh membership with the new role", async () => {
    const team = await newTeam();
    expect((await removeAs(team.owner, team.admin)).status).toBe(200);
    expect((await removeAs(team.owner, team.admin)).status).toBe(404);
    const res = await addAs(team.owner, { user_id: team.admin.publicId, role: "viewer" });
    expect(res.status).toBe(201);
    expect((await rolesIn(team.owner.businessPublicId))[team.admin.publicId]).toBe("viewer");
  });
});

function expectOneDoneOneRefused(statuses: number[]) {
  expect(statuses.filter((status) => status === 200)).toHaveLength(1);
  expect(statuses.filter((status) => status === 409 || status === 404)).toHaveLength(1);
}

describe("races that would leave a business without an owner", () => {
  // Whichever runs first, the other is refused: 409 as the last owner, or 404 if its caller was
  // removed before its own access was checked.
  it("the two last owners removing each other at once: one goes, one owner is left", async () => {
    const team = await newTeam();
    const second = await joined(team, "owner");
    const answers = await Promise.all([removeAs(team.owner, second), removeAs(second, team.owner)]);
    expectOneDoneOneRefused(answers.map((res) => res.status));
    const owners = Object.values(await rolesIn(team.owner.businessPublicId)).filter((role) => role === "owner");
    expect(owners).toHaveLength(1);
  });

  it("the two last owners leaving at once: one leaves, the other stays an owner", async () => {
    const team = await newTeam();
    const second = await joined(team, "owner");
    const answers = await Promise.all([removeAs(team.owner, team.owner), removeAs(second, second)]);
    expect(answers.map((res) => res.status).sort()).toEqual([200, 409]);
    const owners = Object.values(await rolesIn(team.owner.businessPublicId)).filter((role) => role === "owner");
    expect(owners).toHaveLength(1);
  });

  it("one owner demoting the other while that one removes the first: one owner is left", async () => {
    const team = await newTeam();
    const second = await joined(team, "owner");
    const answers = await Promise.all([
      sendAs(team.owner, "PATCH", `${membersPath(team.owner.businessPublicId)}/${second.publicId}`, { role: "admin" }),
      removeAs(second, team.owner),
    ]);
    expectOneDoneOneRefused(answers.map((res) => res.status));
    const owners = Object.values(await rolesIn(team.owner.businessPublicId)).filter((role) => role === "owner");
    expect(owners).toHaveLength(1);
  });

  it("storage removes the last owner under no rule, and no member whose role is not removable as it writes", async () => {
    const team = await newTeam();
    const db = openDatabase(env.DB);
    const businessId = await businessIdOf(team.owner.businessPublicId);
    expect(await deleteMembershipKeepingAnOwner(db, businessId, team.owner.id, ROLES)).toBeNull();
    // As if an admin read the viewer's role, and the viewer was made an owner before the delete ran.
    const promoted = await sendAs(
      team.owner,
      "PATCH",
      `${membersPath(team.owner.businessPublicId)}/${team.viewer.publicId}`,
      {
        role: "owner",
      },
    );
    expect(promoted.status).toBe(200);
    expect(
      await deleteMembershipKeepingAnOwner(db, businessId, team.viewer.id, ["admin", "developer", "viewer"]),
    ).toBeNull();
    expect(await deleteMembershipKeepingAnOwner(db, businessId, team.viewer.id, [])).toBeNull();
    expect(await rolesIn(team.owner.businessPublicId)).toMatchObject({
      [team.owner.publicId]: "owner",
      [team.viewer.publicId]: "owner",
    });
    expect(await deleteMembershipKeepingAnOwner(db, businessId, team.viewer.id, ROLES)).toBe("owner");
  });
});

describe("a role change holds under a concurrent change of the same member", () => {
  it("changes a member only from the role it was authorized against", async () => {
    const team = await newTeam();
    const db = openDatabase(env.DB);
    const businessId = await businessIdOf(team.owner.businessPublicId);
    // As if an admin read the viewer's role, and the viewer was made an owner before the update ran.
    const promoted = await sendAs(
      team.owner,
      "PATCH",
      `${membersPath(team.owner.businessPublicId)}/${team.viewer.publicId}`,
      { role: "owner" },
    );
    expect(promoted.status).toBe(200);
    expect(await updateMemberRoleKeepingAnOwner(db, businessId, team.viewer.id, "viewer", "developer")).toBe(false);
    expect((await rolesIn(team.owner.businessPublicId))[team.viewer.publicId]).toBe("owner");
    expect(await updateMemberRoleKeepingAnOwner(db, businessId, team.viewer.id, "owner", "admin")).toBe(true);
    expect((await rolesIn(team.owner.businessPublicId))[team.viewer.publicId]).toBe("admin");
  });
});
