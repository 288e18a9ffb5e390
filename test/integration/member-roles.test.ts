import { beforeAll, describe, expect, it } from "vitest";
import type { MemberRole } from "../../src/domain";
import { createUser } from "../support/accounts";
import { createKey, sendAs, signedInOwner } from "../support/api-keys";
import { auditOf, expectRoleRefusal, type Member, newTeam, type Team } from "../support/members";
import { signIn } from "../support/tokens";

function createAs(member: Member, fields: Record<string, unknown>) {
  return sendAs(member, "POST", "/v1/api-keys", {
    business_id: member.businessPublicId,
    name: "Role test",
    kind: "secret",
    mode: "test",
    permissions: ["sms"],
    ...fields,
  });
}

const ALLOWED_TO_CREATE: Record<MemberRole, { test: boolean; live: boolean; bulk: boolean }> = {
  owner: { test: true, live: true, bulk: true },
  admin: { test: true, live: true, bulk: true },
  developer: { test: true, live: false, bulk: false },
  viewer: { test: false, live: false, bulk: false },
};

describe("what each role may create", () => {
  let team: Team;
  beforeAll(async () => {
    team = await newTeam();
  });

  const cases = (Object.keys(ALLOWED_TO_CREATE) as MemberRole[]).flatMap((role) =>
    (["publishable", "secret"] as const).flatMap((kind) =>
      (["test", "live"] as const).map((mode) => ({ role, kind, mode, allowed: ALLOWED_TO_CREATE[role][mode] })),
    ),
  );

  it.each(cases)("a $role creating a $mode $kind key: allowed=$allowed", async ({ role, kind, mode, allowed }) => {
    const res = await createAs(team[role], { kind, mode });
    if (allowed) {
      expect(res.status, await res.clone().text()).toBe(201);
    } else {
      await expectRoleRefusal(res);
    }
  });

  it.each(Object.keys(ALLOWED_TO_CREATE) as MemberRole[])("a %s granting bulk on a test key", async (role) => {
    const res = await createAs(team[role], { permissions: ["sms", "bulk"] });
    if (ALLOWED_TO_CREATE[role].bulk) {
      expect(res.status).toBe(201);
    } else {
      await expectRoleRefusal(res);
    }
  });

  it("a refused creation writes no key and is audited with the reason", async () => {
    const team = await newTeam();
    await expectRoleRefusal(await createAs(team.developer, { mode: "live" }));
    const list = await sendAs(team.owner, "GET", `/v1/api-keys?business_id=${team.owner.businessPublicId}`);
    expect((await list.json<{ api_keys: unknown[] }>()).api_keys).toEqual([]);
    const rows = await auditOf("api_key.refused", team.owner.businessPublicId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      actorPublicId: team.developer.publicId,
      actorType: "agent",
      details: { attempted: "create", role: "developer", reason: "developers cannot create live keys", mode: "live" },
    });
  });

  it("every role lists and reads the business's keys", async () => {
    const { api_key } = await createKey(team.owner);
    for (const role of Object.keys(team) as MemberRole[]) {
      const list = await sendAs(team[role], "GET", `/v1/api-keys?business_id=${team.owner.businessPublicId}`);
      expect(list.status).toBe(200);
      expect((await sendAs(team[role], "GET", `/v1/api-keys/${api_key.id}`)).status).toBe(200);
    }
  });

  it("an adminuser who is not a member keeps full power", async () => {
    const admin = {
      ...(await signIn(await createUser({ userType: "adminuser" }))),
      businessPublicId: team.owner.businessPublicId,
    };
    expect((await createAs(admin, { mode: "live", permissions: ["bulk"] })).status).toBe(201);
    const { api_key } = await createKey(team.developer);
    expect((await sendAs(admin, "POST", `/v1/api-keys/${api_key.id}/roll`)).status).toBe(201);
  });
});

describe("rolling and revoking by role", () => {
  let team: Team;
  beforeAll(async () => {
    team = await newTeam();
  });

  it("a developer rolls and revokes the keys they created", async () => {
    const { api_key } = await createKey(team.developer);
    const roll = await sendAs(team.developer, "POST", `/v1/api-keys/${api_key.id}/roll`);
    expect(roll.status).toBe(201);
    const successor = (await roll.json<{ api_key: { id: string } }>()).api_key.id;
    expect((await sendAs(team.developer, "DELETE", `/v1/api-keys/${successor}`)).status).toBe(200);
  });

  it("a developer may not roll or revoke someone else's key, and nothing changes", async () => {
    const { api_key } = await createKey(team.admin);
    await expectRoleRefusal(await sendAs(team.developer, "POST", `/v1/api-keys/${api_key.id}/roll`));
    await expectRoleRefusal(await sendAs(team.developer, "DELETE", `/v1/api-keys/${api_key.id}`));
    const after = await sendAs(team.owner, "GET", `/v1/api-keys/${api_key.id}`);
    expect((await after.json<{ api_key: { status: string } }>()).api_key.status).toBe("active");
    const refused = (await auditOf("api_key.refused", team.owner.businessPublicId)).filter(
      (row) => row.target === api_key.id,
    );
    expect(refused.map((row) => row.details?.attempted).sort()).toEqual(["revoke", "roll"]);
  });

  it("a viewer may not roll or revoke any key", async () => {
    const { api_key } = await createKey(team.owner);
    await expectRoleRefusal(await sendAs(team.viewer, "POST", `/v1/api-keys/${api_key.id}/roll`));
    await expectRoleRefusal(await sendAs(team.viewer, "DELETE", `/v1/api-keys/${api_key.id}`));
  });

  it.each(["owner", "admin"] as const)("a %s rolls and revokes every key of the business", async (role) => {
    const { api_key } = await createKey(team.developer);
    const roll = await sendAs(team[role], "POST", `/v1/api-keys/${api_key.id}/roll`);
    expect(roll.status).toBe(201);
    const successor = (await roll.json<{ api_key: { id: string } }>()).api_key.id;
    expect((await sendAs(team[role], "DELETE", `/v1/api-keys/${successor}`)).status).toBe(200);
  });

  it("a member demoted to developer may revoke their live key but not roll it into a new one", async () => {
    const team = await newTeam();
    const { api_key } = await createKey(team.admin, { mode: "live", permissions: ["bulk"] });
    const demote = await sendAs(
      team.owner,
      "PATCH",
      `/v1/businesses/${team.owner.businessPublicId}/members/${team.admin.publicId}`,
      { role: "developer" },
    );
    expect(demote.status).toBe(200);
    await expectRoleRefusal(await sendAs(team.admin, "POST", `/v1/api-keys/${api_key.id}/roll`));
    expect((await sendAs(team.admin, "DELETE", `/v1/api-keys/${api_key.id}`)).status).toBe(200);
  });
});

function setRole(caller: Member, member: { publicId: string }, role: string) {
  return sendAs(caller, "PATCH", `/v1/businesses/${caller.businessPublicId}/members/${member.publicId}`, { role });
}

describe("changing members' roles", () => {
  it("an owner promotes a developer to admin, who may then create live keys; the change is audited", async () => {
    const team = await newTeam();
    const res = await setRole(team.owner, team.developer, "admin");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      result: "success",
      member: { user_id: team.developer.publicId, business_id: team.owner.businessPublicId, role: "admin" },
    });
    expect((await createAs(team.developer, { mode: "live" })).status).toBe(201);
    const rows = await auditOf("member.role_change", team.owner.businessPublicId);
    expect(rows).toEqual([
      expect.objectContaining({
        actorPublicId: team.owner.publicId,
        target: team.developer.publicId,
        details: { from: "developer", to: "admin" },
      }),
    ]);
  });

  it("an admin moves non-owners among admin, developer and viewer", async () => {
    const team = await newTeam();
    expect((await setRole(team.admin, team.developer, "viewer")).status).toBe(200);
    await expectRoleRefusal(await createAs(team.developer, {}));
    expect((await setRole(team.admin, team.viewer, "admin")).status).toBe(200);
  });

  it("an admin may neither make an owner nor touch one, and the refusal is audited", async () => {
    const team = await newTeam();
    await expectRoleRefusal(await setRole(team.admin, team.developer, "owner"));
    await expectRoleRefusal(await setRole(team.admin, team.admin, "owner"));
    await expectRoleRefusal(await setRole(team.admin, team.owner, "viewer"));
    const rows = await auditOf("member.role_change_refused", team.owner.businessPublicId);
    expect(rows).toHaveLength(3);
    expect(rows[0]?.details).toMatchObject({ role: "admin", reason: "only owners make or unmake owners" });
  });

  it.each(["developer", "viewer"] as const)("a %s may change no role, not even their own", async (role) => {
    const team = await newTeam();
    await expectRoleRefusal(await setRole(team[role], team[role], "admin"));
    await expectRoleRefusal(await setRole(team[role], team.viewer, "developer"));
  });

  it("the last owner cannot be demoted; with a second owner either may step down, not both", async () => {
    const team = await newTeam();
    const last = await setRole(team.owner, team.owner, "admin");
    expect(last.status).toBe(409);
    expect(await last.json()).toEqual({
      result: "error",
      code: "last_owner",
      message: "A business must keep at least one owner.",
    });
    expect((await setRole(team.owner, team.admin, "owner")).status).toBe(200);
    expect((await setRole(team.admin, team.owner, "developer")).status).toBe(200);
    expect((await setRole(team.admin, team.admin, "viewer")).status).toBe(409);
    const refused = await auditOf("member.role_change_refused", team.owner.businessPublicId);
    expect(refused.map((row) => row.details?.reason)).toEqual(["last owner", "last owner"]);
  });

  it("an adminuser cannot demote the last owner either", async () => {
    const team = await newTeam();
    const admin = {
      ...(await signIn(await createUser({ userType: "adminuser" }))),
      businessPublicId: team.owner.businessPublicId,
    };
    expect((await setRole(admin, team.owner, "viewer")).status).toBe(409);
    expect((await setRole(admin, team.viewer, "owner")).status).toBe(200);
  });

  it("setting the role a member already has changes nothing and audits nothing", async () => {
    const team = await newTeam();
    expect((await setRole(team.owner, team.viewer, "viewer")).status).toBe(200);
    expect(await auditOf("member.role_change", team.owner.businessPublicId)).toEqual([]);
  });

  it("an unknown role is a 400; someone who is not a member, or another business, is a 404", async () => {
    const team = await newTeam();
    expect((await setRole(team.owner, team.viewer, "superuser")).status).toBe(400);
    const outsider = await createUser();
    const notMember = await setRole(team.owner, outsider, "viewer");
    expect(notMember.status).toBe(404);
    expect(await notMember.json()).toMatchObject({ code: "not_found", message: "Member not found." });
    const other = await signedInOwner();
    const res = await sendAs(
      team.owner,
      "PATCH",
      `/v1/businesses/${other.businessPublicId}/members/${other.publicId}`,
      { role: "viewer" },
    );
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ message: "Business not found." });
  });
});
