import { describe, expect, it } from "vitest";
import { sha256Base64url } from "../../src/crypto/digest";
import { createUser, uniqueEmail } from "../support/accounts";
import { sendAs, signedInOwner } from "../support/api-keys";
import {
  addAs,
  auditOf,
  expectRoleRefusal,
  listAs,
  type Member,
  type MemberView,
  membersPath,
  newTeam,
  outsideAdmin,
  ROLES,
  rolesIn,
  type Team,
} from "../support/members";
import { signIn } from "../support/tokens";
import { send } from "../support/worker";

/** `GET` and `POST /v1/businesses/{id}/members`, as a business's members live them. */

async function membersSeenBy(caller: Member): Promise<MemberView[]> {
  const res = await listAs(caller);
  expect(res.status).toBe(200);
  return (await res.json<{ members: MemberView[] }>()).members;
}

describe("listing a business's members", () => {
  it.each(ROLES)("a %s sees every member with id, email, role, user type, status and joining time", async (role) => {
    const team = await newTeam();
    const members = await membersSeenBy(team[role]);
    expect(members).toHaveLength(4);
    for (const each of ROLES) {
      const member = members.find((m) => m.user_id === team[each].publicId);
      expect(member).toEqual({
        user_id: team[each].publicId,
        business_id: team.owner.businessPublicId,
        email_address: team[each].email,
        role: each,
        user_type: each === "developer" ? "agent" : "user",
        status: "active",
        joined_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      });
    }
  });

  it("pages through the members, newest account first, without repeating one", async () => {
    const team = await newTeam();
    const first = await listAs(team.viewer, "?limit=3");
    const page1 = await first.json<{ members: MemberView[]; next_cursor: string | null }>();
    expect(page1.members).toHaveLength(3);
    expect(page1.next_cursor).not.toBeNull();
    const second = await listAs(team.viewer, `?limit=3&cursor=${page1.next_cursor}`);
    const page2 = await second.json<{ members: MemberView[]; next_cursor: string | null }>();
    expect(page2.members).toHaveLength(1);
    expect(page2.next_cursor).toBeNull();
    const ids = [...page1.members, ...page2.members].map((m) => m.user_id);
    expect(new Set(ids).size).toBe(4);
    expect(ids.at(-1)).toBe(team.owner.publicId);
  });

  it("a disabled member is listed as disabled", async () => {
    const team = await newTeam();
    const admin = await outsideAdmin(team);
    expect((await sendAs(admin, "POST", `/v1/admin/users/${team.viewer.publicId}/disable`)).status).toBe(200);
    const viewer = (await membersSeenBy(team.owner)).find((m) => m.user_id === team.viewer.publicId);
    expect(viewer?.status).toBe("disabled");
  });

  it("an adminuser who is not a member lists them; an outsider, or an unknown business, is a 404", async () => {
    const team = await newTeam();
    expect(await membersSeenBy(await outsideAdmin(team))).toHaveLength(4);
    const outsider = { ...(await signedInOwner()), businessPublicId: team.owner.businessPublicId };
    const refused = await listAs(outsider);
    expect(refused.status).toBe(404);
    expect(await refused.json()).toEqual({ result: "error", code: "not_found", message: "Business not found." });
    const unknown = await sendAs(team.owner, "GET", membersPath(crypto.randomUUID()));
    expect(unknown.status).toBe(404);
  });

  it.each([
    ["a malformed business id", () => membersPath("bad!id")],
    ["a limit over 100", (team: Team) => `${membersPath(team.owner.businessPublicId)}?limit=101`],
    ["a cursor this API never returned", (team: Team) => `${membersPath(team.owner.businessPublicId)}?cursor=abc`],
  ])("%s is a 400", async (_, path) => {
    const team = await newTeam();
    const res = await sendAs(team.owner, "GET", path(team));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ result: "error", code: "invalid_request" });
  });
});

describe("adding a member", () => {
  it.each(ROLES)("an owner adds an existing account as %s, who may then act as one", async (role) => {
    const team = await newTeam();
    const user = await createUser();
    const res = await addAs(team.owner, { user_id: user.publicId, role });
    expect(res.status, await res.clone().text()).toBe(201);
    expect(await res.json()).toEqual({
      result: "success",
      member: {
        user_id: user.publicId,
        business_id: team.owner.businessPublicId,
        email_address: user.email,
        role,
        user_type: "user",
        status: "active",
        joined_at: expect.any(String),
      },
    });
    const joined = { ...(await signIn(user)), businessPublicId: team.owner.businessPublicId };
    expect((await listAs(joined)).status).toBe(200);
    const liveKey = await sendAs(joined, "POST", "/v1/api-keys", {
      business_id: team.owner.businessPublicId,
      name: "New member's",
      kind: "secret",
      mode: "live",
      permissions: ["sms"],
    });
    expect(liveKey.status).toBe(role === "owner" || role === "admin" ? 201 : 403);
    expect(await auditOf("member.add", team.owner.businessPublicId)).toEqual([
      expect.objectContaining({
        actorPublicId: team.owner.publicId,
        target: user.publicId,
        details: { role, user_type: "user" },
      }),
    ]);
  });

  it("by email, compared as login compares it (case ignored)", async () => {
    const team = await newTeam();
    const user = await createUser({ email: uniqueEmail("Mixed.Case") });
    const res = await addAs(team.admin, { email: user.email.toUpperCase(), role: "developer" });
    expect(res.status, await res.clone().text()).toBe(201);
    expect((await res.json<{ member: MemberView }>()).member.user_id).toBe(user.publicId);
    expect((await rolesIn(team.owner.businessPublicId))[user.publicId]).toBe("developer");
  });

  it.each(["admin", "developer", "viewer"] as const)("an admin adds a %s", async (role) => {
    const team = await newTeam();
    const user = await createUser();
    expect((await addAs(team.admin, { user_id: user.publicId, role })).status).toBe(201);
  });

  it("an admin may not add an owner: 403, audited, nobody added", async () => {
    const team = await newTeam();
    const user = await createUser();
    await expectRoleRefusal(await addAs(team.admin, { user_id: user.publicId, role: "owner" }));
    expect(Object.keys(await rolesIn(team.owner.businessPublicId))).not.toContain(user.publicId);
    expect(await auditOf("member.add_refused", team.owner.businessPublicId)).toEqual([
      expect.objectContaining({
        actorPublicId: team.admin.publicId,
        target: user.publicId,
        details: { role: "admin", to: "owner", reason: "only owners make or unmake owners" },
      }),
    ]);
  });

  it.each(["developer", "viewer"] as const)(
    "a %s may add no one, and learns nothing of which emails are registered",
    async (role) => {
      const team = await newTeam();
      const user = await createUser();
      const before = await rolesIn(team.owner.businessPublicId);
      await expectRoleRefusal(await addAs(team[role], { email: user.email, role: "viewer" }));
      await expectRoleRefusal(await addAs(team[role], { email: uniqueEmail("nobody"), role: "viewer" }));
      await expectRoleRefusal(await addAs(team[role], { user_id: user.publicId, role: "viewer" }));
      expect(await rolesIn(team.owner.businessPublicId)).toEqual(before);
      const refused = await auditOf("member.add_refused", team.owner.businessPublicId);
      expect(refused.map((row) => row.details?.reason)).toEqual(Array(3).fill(`${role}s cannot add members`));
    },
  );

  it("an adminuser who is not a member adds an owner", async () => {
    const team = await newTeam();
    const user = await createUser();
    expect((await addAs(await outsideAdmin(team), { user_id: user.publicId, role: "owner" })).status).toBe(201);
    expect((await rolesIn(team.owner.businessPublicId))[user.publicId]).toBe("owner");
  });

  it("an existing member is a 409 that keeps their role, audited", async () => {
    const team = await newTeam();
    const res = await addAs(team.owner, { user_id: team.viewer.publicId, role: "admin" });
    expect(res.status).toBe(409);
    expect(await res.json()).toEqual({
      result: "error",
      code: "already_member",
      message: "This user is already a member of the business.",
    });
    expect((await rolesIn(team.owner.businessPublicId))[team.viewer.publicId]).toBe("viewer");
    const refused = await auditOf("member.add_refused", team.owner.businessPublicId);
    expect(refused).toEqual([
      expect.objectContaining({
        target: team.viewer.publicId,
        details: expect.objectContaining({ reason: "already a member" }),
      }),
    ]);
  });

  it("an unknown account is a 404 (by id or email); the audit names an email only by its hash", async () => {
    const team = await newTeam();
    const email = uniqueEmail("nobody");
    const before = await rolesIn(team.owner.businessPublicId);
    for (const body of [
      { user_id: crypto.randomUUID(), role: "viewer" },
      { email, role: "viewer" },
    ]) {
      const res = await addAs(team.owner, body);
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ result: "error", code: "not_found", message: "User not found." });
    }
    expect(await rolesIn(team.owner.businessPublicId)).toEqual(before);
    const refused = await auditOf("member.add_refused", team.owner.businessPublicId);
    expect(refused.map((row) => row.details?.reason)).toEqual(["unknown user", "unknown user"]);
    expect(refused[1]?.details).toMatchObject({ email_sha256: await sha256Base64url(email) });
    expect(JSON.stringify(refused)).not.toContain(email);
  });

  it.each([
    ["neither user_id nor email", { role: "viewer" }],
    [
      "both user_id and email",
      { user_id: "00000000-0000-4000-8000-000000000001", email: "a@example.com", role: "viewer" },
    ],
    ["no role", { email: "a@example.com" }],
    ["an unknown role", { email: "a@example.com", role: "member" }],
    ["a malformed email", { email: "not-an-email", role: "viewer" }],
    ["a malformed user id", { user_id: "../etc", role: "viewer" }],
    ["an unknown field", { email: "a@example.com", role: "viewer", business_id: "x" }],
  ])("%s is a 400 that adds no one and audits nothing", async (_, body) => {
    const team = await newTeam();
    const before = await rolesIn(team.owner.businessPublicId);
    const res = await addAs(team.owner, body);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ result: "error", code: "invalid_request" });
    expect(await rolesIn(team.owner.businessPublicId)).toEqual(before);
    expect(await auditOf("member.add_refused", team.owner.businessPublicId)).toEqual([]);
  });

  it("an outsider, or an unknown business, is a 404 that adds no one", async () => {
    const team = await newTeam();
    const user = await createUser();
    const outsider = { ...(await signedInOwner()), businessPublicId: team.owner.businessPublicId };
    const res = await addAs(outsider, { user_id: user.publicId, role: "viewer" });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ message: "Business not found." });
    const unknown = await sendAs(team.owner, "POST", membersPath(crypto.randomUUID()), {
      user_id: user.publicId,
      role: "viewer",
    });
    expect(unknown.status).toBe(404);
    expect(Object.keys(await rolesIn(team.owner.businessPublicId))).not.toContain(user.publicId);
  });

  it("two additions of the same account at once: one is a 201, the other a 409", async () => {
    const team = await newTeam();
    const user = await createUser();
    const answers = await Promise.all([
      addAs(team.owner, { user_id: user.publicId, role: "viewer" }),
      addAs(team.admin, { email: user.email, role: "admin" }),
    ]);
    expect(answers.map((res) => res.status).sort()).toEqual([201, 409]);
    const role = (await rolesIn(team.owner.businessPublicId))[user.publicId];
    const winner = answers.find((res) => res.status === 201);
    expect((await winner?.json<{ member: MemberView }>())?.member.role).toBe(role);
  });
});

describe("the member routes in /openapi.json", () => {
  it("declare their errors with the Ping error schema", async () => {
    const res = await send("/openapi.json");
    const doc = await res.json<{ paths: Record<string, Record<string, { responses: Record<string, unknown> }>> }>();
    const list = doc.paths["/v1/businesses/{business_id}/members"];
    const one = doc.paths["/v1/businesses/{business_id}/members/{user_id}"];
    const statuses = (operation?: { responses: Record<string, unknown> }) => Object.keys(operation?.responses ?? {});
    expect(statuses(list?.get)).toEqual(expect.arrayContaining(["200", "400", "401", "404"]));
    expect(statuses(list?.post)).toEqual(expect.arrayContaining(["201", "400", "401", "403", "404", "409", "415"]));
    expect(statuses(one?.delete)).toEqual(expect.arrayContaining(["200", "400", "401", "403", "404", "409"]));
    for (const operation of [list?.get, list?.post, one?.delete]) {
      for (const [status, response] of Object.entries(operation?.responses ?? {})) {
        if (Number(status) >= 400) expect(JSON.stringify(response)).toContain("#/components/schemas/PingError");
      }
    }
  });
});
