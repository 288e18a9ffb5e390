import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { openDatabase } from "../../src/storage/db";
import { apiKeys, businesses, users } from "../../src/storage/schema";
import { createUser, uniqueEmail } from "../support/accounts";
import { auditRowsFor, createKey, presentKey, sendAs, signedInOwner } from "../support/api-keys";
import { signedInUser, signIn } from "../support/tokens";
import { send, sendJson } from "../support/worker";

const db = () => openDatabase(env.DB);

async function userRow(publicId: string) {
  return db().select().from(users).where(eq(users.publicId, publicId)).get();
}

async function businessesNamed(name: string) {
  return db().select().from(businesses).where(eq(businesses.name, name));
}

describe("who may use the admin API", () => {
  it.each(["user", "agent"] as const)(
    "a signed-in %s is refused with 403 everywhere, and nothing changes",
    async (userType) => {
      const caller = await signedInUser(userType);
      const victim = await signedInUser();
      const owner = await signedInOwner();
      const { key, api_key } = await createKey(owner);
      const name = `Forbidden ${crypto.randomUUID()}`;
      const attempts: Array<[string, string, unknown?]> = [
        ["GET", "/v1/admin/businesses"],
        ["POST", "/v1/admin/businesses", { name }],
        ["PATCH", `/v1/admin/businesses/${owner.businessPublicId}`, { status: "suspended" }],
        ["GET", "/v1/admin/users"],
        ["POST", "/v1/admin/users", { email: uniqueEmail(), password: "a-long-password-1", user_type: "adminuser" }],
        ["POST", `/v1/admin/users/${victim.publicId}/disable`],
        ["GET", "/v1/admin/api-keys"],
        ["DELETE", `/v1/admin/api-keys/${api_key.id}`],
        ["GET", "/v1/admin/audit-events"],
      ];
      for (const [method, path, body] of attempts) {
        const res = await sendAs(caller, method, path, body);
        expect(res.status, `${method} ${path}`).toBe(403);
        expect(await res.json()).toMatchObject({ result: "error", code: "insufficient_permission" });
      }
      expect(await businessesNamed(name)).toHaveLength(0);
      expect((await userRow(victim.publicId))?.status).toBe("active");
      expect((await presentKey(key)).status).toBe(200);
      expect((await send("/v1/auth/session", { headers: victim.headers })).status).toBe(200);
    },
  );

  it("without a token the admin API is a 401 bearer challenge", async () => {
    const res = await send("/v1/admin/businesses");
    expect(res.status).toBe(401);
    expect(res.headers.get("WWW-Authenticate")).toBe('Bearer realm="gatehouse"');
  });

  it("an admin token presented as another user type is refused", async () => {
    const admin = await signedInUser("adminuser");
    const res = await send("/v1/admin/businesses", { headers: { ...admin.headers, "User-Type": "user" } });
    expect(res.status).toBe(401);
  });
});

describe("businesses", () => {
  it("an admin creates, lists, renames and suspends a business, and each change is audited", async () => {
    const admin = await signedInUser("adminuser");
    const created = await sendAs(admin, "POST", "/v1/admin/businesses", { name: "Globex" });
    const { business } = await created.json<{ business: { public_id: string; status: string; name: string } }>();
    expect(created.status).toBe(201);
    expect(business).toMatchObject({ name: "Globex", status: "pending" });

    const list = await sendAs(admin, "GET", "/v1/admin/businesses?limit=100");
    const listed = await list.json<{ businesses: Array<{ public_id: string }> }>();
    expect(listed.businesses.map((b) => b.public_id)).toContain(business.public_id);

    const renamed = await sendAs(admin, "PATCH", `/v1/admin/businesses/${business.public_id}`, {
      name: "Globex Corporation",
      status: "verified",
    });
    expect(renamed.status).toBe(200);
    expect((await renamed.json<{ business: unknown }>()).business).toMatchObject({
      public_id: business.public_id,
      name: "Globex Corporation",
      status: "verified",
    });

    const audit = await auditRowsFor(business.public_id);
    expect(audit.map((row) => row.action).sort()).toEqual(["business.create", "business.update"]);
    expect(audit[0]).toMatchObject({ actorPublicId: admin.publicId, actorType: "adminuser" });
  });

  it("suspending a business stops its API keys at once, and reinstating it restores them", async () => {
    const admin = await signedInUser("adminuser");
    const owner = await signedInOwner();
    const { key } = await createKey(owner);
    expect((await presentKey(key)).status).toBe(200); // now cached in this isolate and location

    const suspend = await sendAs(admin, "PATCH", `/v1/admin/businesses/${owner.businessPublicId}`, {
      status: "suspended",
    });
    expect(suspend.status).toBe(200);
    const refused = await presentKey(key);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ error: "invalid_api_key", reason: "revoked" });

    await sendAs(admin, "PATCH", `/v1/admin/businesses/${owner.businessPublicId}`, { status: "verified" });
    expect((await presentKey(key)).status).toBe(200);
  });

  it("a suspended business's members can neither create nor roll a key (it would never work)", async () => {
    const admin = await signedInUser("adminuser");
    const owner = await signedInOwner();
    const existing = await createKey(owner);
    await sendAs(admin, "PATCH", `/v1/admin/businesses/${owner.businessPublicId}`, { status: "suspended" });
    const keysBefore = await db().select().from(apiKeys);

    const create = await sendAs(owner, "POST", "/v1/api-keys", {
      business_id: owner.businessPublicId,
      name: "During suspension",
      kind: "secret",
      mode: "test",
      permissions: ["sms"],
    });
    const roll = await sendAs(owner, "POST", `/v1/api-keys/${existing.api_key.id}/roll`);
    for (const res of [create, roll]) {
      expect(res.status).toBe(409);
      expect(await res.json()).toEqual({
        result: "error",
        message: "The business is suspended: its API keys are refused until an admin verifies it again.",
        code: "business_suspended",
      });
    }
    expect(await db().select().from(apiKeys)).toEqual(keysBefore);

    await sendAs(admin, "PATCH", `/v1/admin/businesses/${owner.businessPublicId}`, { status: "verified" });
    expect((await sendAs(owner, "POST", `/v1/api-keys/${existing.api_key.id}/roll`)).status).toBe(201);
  });

  it.each([
    ["an empty update", {}, 400],
    ["an unknown status", { status: "closed" }, 400],
    ["an unknown field", { owner: "me" }, 400],
  ] as const)("%s is refused and the business is unchanged", async (_story, body, status) => {
    const admin = await signedInUser("adminuser");
    const owner = await signedInOwner();
    const res = await sendAs(admin, "PATCH", `/v1/admin/businesses/${owner.businessPublicId}`, body);
    expect(res.status).toBe(status);
    const row = await db().select().from(businesses).where(eq(businesses.publicId, owner.businessPublicId)).get();
    expect(row).toMatchObject({ status: "verified" });
  });

  it("updating a business that does not exist is a 404", async () => {
    const admin = await signedInUser("adminuser");
    const res = await sendAs(admin, "PATCH", `/v1/admin/businesses/${crypto.randomUUID()}`, { name: "x" });
    expect(res.status).toBe(404);
  });

  it("a business with no name is refused and not created", async () => {
    const admin = await signedInUser("adminuser");
    const res = await sendAs(admin, "POST", "/v1/admin/businesses", { name: "", status: "verified" });
    expect(res.status).toBe(400);
    expect(await businessesNamed("")).toHaveLength(0);
  });

  it("a business whose name would display as other text is refused and not created", async () => {
    const admin = await signedInUser("adminuser");
    for (const name of ["Acme\u202e", "Acme\u0007Corp"]) {
      const res = await sendAs(admin, "POST", "/v1/admin/businesses", { name });
      expect(res.status).toBe(400);
      expect(await businessesNamed(name)).toHaveLength(0);
    }
  });
});

describe("users", () => {
  it("an admin creates an agent who belongs to a business and can log in as an agent", async () => {
    const admin = await signedInUser("adminuser");
    const owner = await signedInOwner();
    const email = uniqueEmail("agent");
    const res = await sendAs(admin, "POST", "/v1/admin/users", {
      email,
      password: "agent-password-long",
      user_type: "agent",
      first_name: "Aggie",
      businesses: [{ business_id: owner.businessPublicId }],
    });
    const body = await res.json<{ user: { public_id: string; businesses: Array<{ public_id: string }> } }>();
    expect(res.status, JSON.stringify(body)).toBe(201);
    expect(body.user).toMatchObject({
      user_type: "agent",
      email_address: email,
      first_name: "Aggie",
      status: "active",
    });
    expect(body.user.businesses).toEqual([
      expect.objectContaining({ public_id: owner.businessPublicId, role: "developer" }),
    ]);
    expect(JSON.stringify(body)).not.toContain("agent-password-long");
    expect(JSON.stringify(body)).not.toContain("pbkdf2");

    const login = await sendJson(
      "/v1/auth/login",
      "POST",
      { email, password: "agent-password-long" },
      { "User-Type": "agent" },
    );
    expect(login.status).toBe(200);
    const { businesses: theirs } = await login.json<{ businesses: Array<{ public_id: string }> }>();
    expect(theirs.map((b) => b.public_id)).toEqual([owner.businessPublicId]);

    const audit = await auditRowsFor(body.user.public_id);
    expect(audit.map((row) => row.action).sort()).toEqual(["auth.login", "user.create"]);
    expect(audit.find((row) => row.action === "user.create")).toMatchObject({ actorPublicId: admin.publicId });
  });

  it.each([
    ["owner", "owner"],
    ["viewer", "viewer"],
    // The only non-owner role before roles existed: it still means what it meant (full power).
    ["member", "admin"],
  ])("a membership asked for as %s is stored as %s", async (asked, stored) => {
    const admin = await signedInUser("adminuser");
    const owner = await signedInOwner();
    const res = await sendAs(admin, "POST", "/v1/admin/users", {
      email: uniqueEmail("member"),
      password: "member-password-long",
      user_type: "user",
      businesses: [{ business_id: owner.businessPublicId, role: asked }],
    });
    const body = await res.json<{ user: { businesses: Array<{ role: string }> } }>();
    expect(res.status, JSON.stringify(body)).toBe(201);
    expect(body.user.businesses.map((m) => m.role)).toEqual([stored]);
  });

  it("an admin creates another admin, who can use the admin API", async () => {
    const admin = await signedInUser("adminuser");
    const email = uniqueEmail("admin");
    const res = await sendAs(admin, "POST", "/v1/admin/users", {
      email,
      password: "second-admin-password",
      user_type: "adminuser",
    });
    expect(res.status).toBe(201);
    const { user } = await res.json<{ user: { public_id: string; user_type: string } }>();
    const second = await signIn({
      id: 0,
      publicId: user.public_id,
      email,
      password: "second-admin-password",
      userType: "adminuser",
      businessIds: [],
    });
    expect((await sendAs(second, "GET", "/v1/admin/users")).status).toBe(200);
  });

  it("a taken email is a 409 and no second account appears", async () => {
    const admin = await signedInUser("adminuser");
    const existing = await createUser();
    const res = await sendAs(admin, "POST", "/v1/admin/users", {
      email: existing.email.toUpperCase(),
      password: "another-password-1",
      user_type: "agent",
    });
    expect(res.status).toBe(409);
    const rows = await db().select().from(users).where(eq(users.emailNormalized, existing.email.toLowerCase()));
    expect(rows).toHaveLength(1);
    expect(rows[0]?.userType).toBe("user");
  });

  it.each([
    ["an unknown user type", { user_type: "superuser" }, 400],
    ["a short password", { password: "short" }, 400],
    ["an invalid email", { email: "not-an-email" }, 400],
    ["a membership of an unknown business", { businesses: [{ business_id: crypto.randomUUID() }] }, 404],
    ["an unknown member role", { businesses: [{ business_id: crypto.randomUUID(), role: "god" }] }, 400],
  ] as const)("%s is refused and no user is created", async (_story, fields, status) => {
    const admin = await signedInUser("adminuser");
    const email = uniqueEmail("refused");
    const res = await sendAs(admin, "POST", "/v1/admin/users", {
      email,
      password: "a-fine-password-1",
      user_type: "agent",
      ...fields,
    });
    expect(res.status).toBe(status);
    const rows = await db().select().from(users).where(eq(users.emailNormalized, email));
    expect(rows).toHaveLength(0);
  });

  it("lists users page by page, filtered by type", async () => {
    const admin = await signedInUser("adminuser");
    await createUser({ userType: "agent" });
    await createUser({ userType: "agent" });
    const first = await sendAs(admin, "GET", "/v1/admin/users?user_type=agent&limit=1");
    const page1 = await first.json<{ users: Array<{ public_id: string; user_type: string }>; next_cursor: string }>();
    expect(page1.users).toHaveLength(1);
    expect(page1.users[0]?.user_type).toBe("agent");
    expect(page1.next_cursor).toEqual(expect.any(String));
    const second = await sendAs(admin, "GET", `/v1/admin/users?user_type=agent&limit=1&cursor=${page1.next_cursor}`);
    const page2 = await second.json<{ users: Array<{ public_id: string; user_type: string }> }>();
    expect(page2.users[0]?.user_type).toBe("agent");
    expect(page2.users[0]?.public_id).not.toBe(page1.users[0]?.public_id);
    expect(JSON.stringify(page1)).not.toContain("password");
  });

  it("a disabled user's tokens are refused and they can no longer log in", async () => {
    const admin = await signedInUser("adminuser");
    const account = await createUser();
    const victim = await signIn(account);
    const otherSession = await signIn(account);
    expect((await send("/v1/auth/session", { headers: victim.headers })).status).toBe(200);

    const res = await sendAs(admin, "POST", `/v1/admin/users/${victim.publicId}/disable`);
    expect(res.status).toBe(200);
    expect((await res.json<{ user: { status: string } }>()).user.status).toBe("disabled");

    for (const session of [victim, otherSession]) {
      expect((await send("/v1/auth/session", { headers: session.headers })).status).toBe(401);
    }
    const login = await sendJson(
      "/v1/auth/login",
      "POST",
      { email: account.email, password: account.password },
      { "User-Type": "user" },
    );
    expect(login.status).toBe(401);
    expect(await login.json()).toMatchObject({ code: "invalid_credentials" });

    const audit = await auditRowsFor(victim.publicId);
    const disables = audit.filter((row) => row.action === "user.disable");
    expect(disables).toHaveLength(1);
    expect(disables[0]).toMatchObject({ details: { was: "active", sessions_ended: 2 } });
    expect(audit.find((row) => row.action === "auth.login_failed")).toMatchObject({
      actorType: "anonymous",
      details: { reason: "account disabled" },
    });
  });

  it("a disabled member can no longer manage their business's keys", async () => {
    const admin = await signedInUser("adminuser");
    const owner = await signedInOwner();
    await sendAs(admin, "POST", `/v1/admin/users/${owner.publicId}/disable`);
    const res = await send(`/v1/api-keys?business_id=${owner.businessPublicId}`, { headers: owner.headers });
    expect(res.status).toBe(401);
  });

  it("an admin cannot disable themselves, nor someone who does not exist", async () => {
    const admin = await signedInUser("adminuser");
    const self = await sendAs(admin, "POST", `/v1/admin/users/${admin.publicId}/disable`);
    expect(self.status).toBe(400);
    expect((await userRow(admin.publicId))?.status).toBe("active");
    const missing = await sendAs(admin, "POST", `/v1/admin/users/${crypto.randomUUID()}/disable`);
    expect(missing.status).toBe(404);
  });
});
