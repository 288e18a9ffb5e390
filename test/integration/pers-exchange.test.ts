import { describe, expect, it } from "vitest";
import { FakeIdentityProvider } from "../support/identity-provider";
import { claimsOf, configureTenant, exchange, type TokenPair, tenantFootprint, typOf } from "../support/pers";
import { createTenant, type TestTenant } from "../support/tenants";

async function tenantTrusting(idp: FakeIdentityProvider): Promise<TestTenant> {
  const tenant = await createTenant();
  await idp.trustedBy(tenant);
  return tenant;
}

async function errorOf(res: Response) {
  return { status: res.status, body: (await res.json()) as { error: string; message: string } };
}

describe("PERS token exchange: a user's identity token", () => {
  it("becomes a PERS access and refresh token of the tenant", async () => {
    const idp = await FakeIdentityProvider.create();
    const tenant = await tenantTrusting(idp);
    const res = await exchange(tenant, { authToken: await idp.token("alice") });
    const body = (await res.json()) as TokenPair;
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(Object.keys(body).sort()).toEqual(["accessToken", "refreshToken"]);
    const access = claimsOf(body.accessToken);
    expect(typOf(body.accessToken)).toBe("pers-at+jwt");
    expect(typOf(body.refreshToken)).toBe("pers-rt+jwt");
    expect(access).toMatchObject({ tenant_id: tenant.tenantPublicId, auth_type: "user", aud: "gatehouse-pers" });
    expect(access.anonymous).toBeUndefined();
    expect(access.family_id).toBe(claimsOf(body.refreshToken).family_id);
    expect(await tenantFootprint(tenant)).toEqual({ tenantUsers: 1, identities: 1, refreshTokens: 1 });
  });

  it("defaults to authType user and accepts the project key as x-project-key", async () => {
    const idp = await FakeIdentityProvider.create({ alg: "ES256" });
    const tenant = await tenantTrusting(idp);
    const res = await exchange("", { authToken: await idp.token("bob") }, { "x-project-key": tenant.projectKey });
    expect(res.status).toBe(200);
    expect(claimsOf(((await res.json()) as TokenPair).accessToken).auth_type).toBe("user");
  });

  it("reads an optional field sent as null as not sent (serialisers write unset fields so)", async () => {
    const idp = await FakeIdentityProvider.create();
    const tenant = await tenantTrusting(idp);
    const res = await exchange(tenant, { authToken: await idp.token("nora"), authType: null, rawLoginData: null });
    expect(res.status).toBe(200);
    expect(claimsOf(((await res.json()) as TokenPair).accessToken)).toMatchObject({ auth_type: "user" });
  });

  it("links the same identity to the same tenant user every time, and never by email", async () => {
    const idp = await FakeIdentityProvider.create({ alg: "EdDSA" });
    const tenant = await tenantTrusting(idp);
    const first = (await (await exchange(tenant, { authToken: await idp.token("carol") })).json()) as TokenPair;
    const again = (await (
      await exchange(tenant, { authToken: await idp.token("carol", { email: "new@example.com" }) })
    ).json()) as TokenPair;
    const impostor = (await (
      await exchange(tenant, { authToken: await idp.token("mallory", { email: "carol@example.com" }) })
    ).json()) as TokenPair;
    expect(claimsOf(again.accessToken).sub).toBe(claimsOf(first.accessToken).sub);
    expect(claimsOf(impostor.accessToken).sub).not.toBe(claimsOf(first.accessToken).sub);
    expect(await tenantFootprint(tenant)).toMatchObject({ tenantUsers: 2, identities: 2, refreshTokens: 3 });
  });

  it("links one person's identity separately at two tenants", async () => {
    const idp = await FakeIdentityProvider.create();
    const [a, b] = [await tenantTrusting(idp), await createTenant()];
    await idp.trustedBy(b);
    const token = await idp.token("dave");
    const atA = (await (await exchange(a, { authToken: token })).json()) as TokenPair;
    const atB = (await (await exchange(b, { authToken: token })).json()) as TokenPair;
    expect(claimsOf(atA.accessToken).tenant_id).toBe(a.tenantPublicId);
    expect(claimsOf(atB.accessToken).tenant_id).toBe(b.tenantPublicId);
    expect(claimsOf(atA.accessToken).sub).not.toBe(claimsOf(atB.accessToken).sub);
  });

  it("concurrent first sign-ins of one identity create exactly one tenant user", async () => {
    const idp = await FakeIdentityProvider.create({ alg: "ES256" });
    const tenant = await tenantTrusting(idp);
    const token = await idp.token("erin");
    const responses = await Promise.all([1, 2, 3, 4].map(() => exchange(tenant, { authToken: token })));
    const pairs = (await Promise.all(responses.map((res) => res.json()))) as TokenPair[];
    expect(responses.map((res) => res.status)).toEqual([200, 200, 200, 200]);
    expect(new Set(pairs.map((pair) => claimsOf(pair.accessToken).sub)).size).toBe(1);
    expect(await tenantFootprint(tenant)).toEqual({ tenantUsers: 1, identities: 1, refreshTokens: 4 });
  });

  it("is refused by a tenant that does not trust the provider, and nothing is written there", async () => {
    const idp = await FakeIdentityProvider.create();
    await tenantTrusting(idp);
    const stranger = await createTenant();
    const res = await exchange(stranger, { authToken: await idp.token("frank") });
    expect(await errorOf(res)).toEqual({
      status: 401,
      body: { error: "invalid_token", message: "The token is invalid or has expired." },
    });
    expect(await tenantFootprint(stranger)).toEqual({ tenantUsers: 0, identities: 0, refreshTokens: 0 });
  });

  it("is refused when the tenant disabled the provider", async () => {
    const idp = await FakeIdentityProvider.create();
    const tenant = await createTenant();
    await idp.trustedBy(tenant, { enabled: false });
    const res = await exchange(tenant, { authToken: await idp.token("gina") });
    expect(res.status).toBe(401);
    expect(await tenantFootprint(tenant)).toEqual({ tenantUsers: 0, identities: 0, refreshTokens: 0 });
  });

  it("maps subject, email and name from the claims the tenant configured", async () => {
    const idp = await FakeIdentityProvider.create();
    const tenant = await createTenant();
    await idp.trustedBy(tenant, { claimMapping: { subject: "uid", email: "mail" } });
    const withUid = await exchange(tenant, {
      authToken: await idp.token("ignored-sub", { uid: "u-42", mail: "h@x.test" }),
    });
    expect(withUid.status).toBe(200);
    const withoutUid = await exchange(tenant, { authToken: await idp.token("henry") });
    expect(withoutUid.status).toBe(401);
    expect(await tenantFootprint(tenant)).toEqual({ tenantUsers: 1, identities: 1, refreshTokens: 1 });
  });
});

describe("PERS token exchange: authType", () => {
  async function setup() {
    const idp = await FakeIdentityProvider.create({ alg: "ES256" });
    const tenant = await tenantTrusting(idp);
    return { idp, tenant };
  }

  for (const authType of ["business", "system", "external"] as const) {
    it(`${authType} is refused with 403 until the tenant enables it, then carried in the tokens`, async () => {
      const { idp, tenant } = await setup();
      const token = await idp.token(`${authType}-caller`);
      const refused = await exchange(tenant, { authToken: token, authType });
      expect((await errorOf(refused)).status).toBe(403);
      expect(await tenantFootprint(tenant)).toEqual({ tenantUsers: 0, identities: 0, refreshTokens: 0 });

      await configureTenant(tenant, { enabledAuthTypes: [authType] });
      const accepted = await exchange(tenant, { authToken: token, authType });
      expect(accepted.status).toBe(200);
      const pair = (await accepted.json()) as TokenPair;
      expect(claimsOf(pair.accessToken).auth_type).toBe(authType);
      expect(claimsOf(pair.refreshToken).auth_type).toBe(authType);
    });
  }

  it("tenant gives an admin session only to identities on the tenant's admin list", async () => {
    const { idp, tenant } = await setup();
    await configureTenant(tenant, { adminIdentities: [{ issuer: idp.issuer, subject: "the-admin" }] });
    const admin = await exchange(tenant, { authToken: await idp.token("the-admin"), authType: "tenant" });
    expect(admin.status).toBe(200);
    expect(claimsOf(((await admin.json()) as TokenPair).accessToken).auth_type).toBe("tenant");

    const before = await tenantFootprint(tenant);
    const notAdmin = await exchange(tenant, { authToken: await idp.token("someone-else"), authType: "tenant" });
    expect(await errorOf(notAdmin)).toMatchObject({ status: 403, body: { error: "insufficient_permission" } });
    // The same subject at another issuer is someone else.
    const other = await FakeIdentityProvider.create({ alg: "ES256" });
    await other.trustedBy(tenant);
    const lookalike = await exchange(tenant, { authToken: await other.token("the-admin"), authType: "tenant" });
    expect(lookalike.status).toBe(403);
    expect(await tenantFootprint(tenant)).toEqual(before);
  });

  it("an unknown authType is a 400", async () => {
    const { idp, tenant } = await setup();
    for (const authType of ["admin", "USER", "", 1]) {
      const res = await exchange(tenant, { authToken: await idp.token("ivan"), authType });
      expect((await errorOf(res)).status).toBe(400);
    }
    expect(await tenantFootprint(tenant)).toEqual({ tenantUsers: 0, identities: 0, refreshTokens: 0 });
  });
});

describe("PERS token exchange: unauthenticated users (rawLoginData)", () => {
  it("creates an anonymous user and session when the tenant allows it", async () => {
    const tenant = await createTenant();
    await configureTenant(tenant, { allowJwtForUnauthenticatedUsers: true });
    const res = await exchange(tenant, { rawLoginData: { someKey: "someValue", nested: { a: [1, 2] } } });
    const pair = (await res.json()) as TokenPair;
    expect(res.status, JSON.stringify(pair)).toBe(200);
    expect(claimsOf(pair.accessToken)).toMatchObject({
      auth_type: "user",
      anonymous: true,
      tenant_id: tenant.tenantPublicId,
    });
    expect(await tenantFootprint(tenant)).toEqual({ tenantUsers: 1, identities: 0, refreshTokens: 1 });
    const withNulls = await exchange(tenant, { authToken: null, authType: null, rawLoginData: { someKey: "x" } });
    expect(withNulls.status).toBe(200);
  });

  it("uses rawLoginData instead of verifying a token that comes with it", async () => {
    const tenant = await createTenant();
    await configureTenant(tenant, { allowJwtForUnauthenticatedUsers: true });
    const res = await exchange(tenant, {
      authToken: "eyJ0eXAiOiJKV1QiLCJhbGciOiJFZERTQSJ9...",
      rawLoginData: { k: "v" },
    });
    expect(res.status).toBe(200);
  });

  it("is refused with 403 when the tenant does not allow it, and creates nobody", async () => {
    const tenant = await createTenant();
    const res = await exchange(tenant, { rawLoginData: { someKey: "someValue" } });
    expect(await errorOf(res)).toMatchObject({ status: 403, body: { error: "anonymous_login_disabled" } });
    await configureTenant(tenant, { allowJwtForUnauthenticatedUsers: false });
    expect((await exchange(tenant, { rawLoginData: {} })).status).toBe(403);
    expect(await tenantFootprint(tenant)).toEqual({ tenantUsers: 0, identities: 0, refreshTokens: 0 });
  });

  it.each([
    ["does not allow unauthenticated users", false, "user"],
    ["allows them, for a session of another auth type", true, "tenant"],
  ] as const)(
    "is ignored beside an authToken where the tenant %s: the token is verified as usual",
    async (_case, allow, authType) => {
      const idp = await FakeIdentityProvider.create();
      const tenant = await tenantTrusting(idp);
      await configureTenant(tenant, {
        allowJwtForUnauthenticatedUsers: allow,
        adminIdentities: [{ issuer: idp.issuer, subject: "dana" }],
      });
      const seedExample = { authType, rawLoginData: { someKey: "someValue" } };
      const forged = await exchange(tenant, { ...seedExample, authToken: "eyJ0eXAiOiJKV1QiLCJhbGciOiJFZERTQSJ9..." });
      expect(await errorOf(forged)).toMatchObject({ status: 401, body: { error: "invalid_token" } });
      const res = await exchange(tenant, { ...seedExample, authToken: await idp.token("dana") });
      const pair = (await res.json()) as TokenPair;
      expect(res.status, JSON.stringify(pair)).toBe(200);
      expect(claimsOf(pair.accessToken)).toMatchObject({ auth_type: authType });
      expect(claimsOf(pair.accessToken).anonymous).toBeUndefined();
      expect(await tenantFootprint(tenant)).toEqual({ tenantUsers: 1, identities: 1, refreshTokens: 1 });
    },
  );

  it("names the field and the rule of a malformed request, and creates nobody", async () => {
    const tenant = await createTenant();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ authToken: "a".repeat(8193) }, "Invalid authToken: must be at most 8192 characters"],
      [{ authToken: "" }, "Invalid authToken: must not be empty"],
      [{ authToken: 42 }, "Invalid authToken: must be a string"],
    ];
    for (const [body, message] of cases) {
      expect(await errorOf(await exchange(tenant, body))).toEqual({
        status: 400,
        body: { error: "invalid_request", message },
      });
    }
    expect(await tenantFootprint(tenant)).toEqual({ tenantUsers: 0, identities: 0, refreshTokens: 0 });
  });

  it("refuses rawLoginData that is too big, too deep or not an object, and creates nobody", async () => {
    const tenant = await createTenant();
    await configureTenant(tenant, { allowJwtForUnauthenticatedUsers: true });
    const bad = [
      { big: "x".repeat(2100) },
      { a: { b: { c: { d: { e: 1 } } } } },
      { a: [[[[1]]]] },
      [1, 2],
      "text",
      null,
    ];
    for (const rawLoginData of bad) {
      const res = await exchange(tenant, { rawLoginData });
      expect((await errorOf(res)).status, JSON.stringify(rawLoginData).slice(0, 40)).toBe(400);
    }
    expect((await exchange(tenant, { rawLoginData: { a: { b: { c: { d: 1 } } } } })).status).toBe(200);
    expect(await tenantFootprint(tenant)).toEqual({ tenantUsers: 1, identities: 0, refreshTokens: 1 });
  });

  it("rawLoginData with an authType other than user is a 400", async () => {
    const tenant = await createTenant();
    await configureTenant(tenant, { allowJwtForUnauthenticatedUsers: true, enabledAuthTypes: ["business"] });
    const res = await exchange(tenant, { rawLoginData: { k: 1 }, authType: "business" });
    expect(res.status).toBe(400);
    expect(await tenantFootprint(tenant)).toEqual({ tenantUsers: 0, identities: 0, refreshTokens: 0 });
  });

  it("a body with neither authToken nor rawLoginData is a 400", async () => {
    const tenant = await createTenant();
    const neither = [
      {},
      { authType: "user" },
      { authToken: "" },
      { authToken: 42 },
      { authToken: null, rawLoginData: null },
    ];
    for (const body of neither) {
      expect((await exchange(tenant, body)).status).toBe(400);
    }
  });
});
