import { describe, expect, it } from "vitest";
import { createUser } from "../support/accounts";
import { postForm, signInToDashboard } from "../support/dashboard";

describe("administration in the dashboard", () => {
  it("a user or agent gets a refusal in words, not the admin pages", async () => {
    for (const userType of ["user", "agent"] as const) {
      const account = await createUser({ userType });
      const visitor = await signInToDashboard(account.email, account.password);
      const res = await visitor.get("/dashboard/admin/users");
      expect(res.status).toBe(403);
      expect(await res.text()).toContain("This page is for admin users.");
      const create = await visitor.post("/dashboard/admin/businesses", { name: "Sneaky" });
      expect(create.status).toBe(403);
    }
  });

  it("an admin creates a business, suspends it and reinstates it; the audit log shows it", async () => {
    const admin = await createUser({ userType: "adminuser" });
    const staff = await signInToDashboard(admin.email, admin.password);
    const name = `Acme ${crypto.randomUUID().slice(0, 8)}`;
    const created = await staff.post("/dashboard/admin/businesses", { name });
    expect(created.status).toBe(303);
    expect(created.headers.get("location")).toBe("/dashboard/admin/businesses?notice=created");
    expect(await (await staff.get("/dashboard/admin/businesses?notice=created")).text()).toContain(
      "The business is created, verified.",
    );
    const list = await (await staff.get("/dashboard/admin/businesses")).text();
    expect(list).toContain(name);
    const rowStart = list.indexOf(name);
    const suspendHref =
      /href="(\/dashboard\/admin\/businesses\/[^"]+\/status\/suspended)"/.exec(list.slice(rowStart))?.[1] ?? "";
    expect(await (await staff.get(suspendHref)).text()).toContain("stop working");
    const res = await staff.post(suspendHref);
    expect(res.headers.get("location")).toBe("/dashboard/admin/businesses?notice=suspended");
    const audit = await (await staff.get("/dashboard/admin/audit?action=business.update")).text();
    expect(audit).toContain("business.update");
    expect(audit).not.toContain("business.create</td>");
  });

  it("an empty business name is named beside the field", async () => {
    const admin = await createUser({ userType: "adminuser" });
    const staff = await signInToDashboard(admin.email, admin.password);
    const res = await staff.post("/dashboard/admin/businesses", { name: "" });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('id="name-error"');
  });

  it("an admin creates an agent, who can then sign in; a taken email is said beside the field", async () => {
    const admin = await createUser({ userType: "adminuser" });
    const staff = await signInToDashboard(admin.email, admin.password);
    const email = `agent-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const fields = { user_type: "agent", email, password: "agent-password-123", first_name: "Ada", last_name: "Agent" };
    const created = await staff.post("/dashboard/admin/users", fields);
    expect(created.status).toBe(303);
    expect(created.headers.get("location")).toBe("/dashboard/admin/users?notice=created");
    const listed = await (await staff.get("/dashboard/admin/users?notice=created")).text();
    expect(listed).toContain("The account is created and can sign in.");
    expect(await (await staff.get("/dashboard/admin/users?notice=constructor")).text()).not.toContain('class="notice"');
    expect((await postForm("/dashboard/sign-in", { email, password: "agent-password-123" })).status).toBe(303);
    const again = await staff.post("/dashboard/admin/users", fields);
    expect(again.status).toBe(400);
    const html = await again.text();
    expect(html).toMatch(/id="email-error">Email already registered/);
    expect(html).not.toContain("agent-password-123");
    const short = await staff.post("/dashboard/admin/users", { ...fields, email: `x${email}`, password: "short" });
    expect(await short.text()).toContain('id="password-error"');
  });

  it("an admin disables a user: the user's dashboard session ends at once", async () => {
    const admin = await createUser({ userType: "adminuser" });
    const person = await createUser();
    const staff = await signInToDashboard(admin.email, admin.password);
    const victim = await signInToDashboard(person.email, person.password);
    expect(await (await staff.get(`/dashboard/admin/users/${person.publicId}/disable`)).text()).toContain(person.email);
    const res = await staff.post(`/dashboard/admin/users/${person.publicId}/disable`);
    expect(res.headers.get("location")).toBe("/dashboard/admin/users?notice=disabled");
    expect((await victim.get("/dashboard/businesses")).headers.get("location")).toBe(
      "/dashboard/sign-in?notice=expired",
    );
  });

  it("an admin cannot disable their own account, and is told so", async () => {
    const admin = await createUser({ userType: "adminuser" });
    const staff = await signInToDashboard(admin.email, admin.password);
    const res = await staff.post(`/dashboard/admin/users/${admin.publicId}/disable`);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("You cannot disable your own account.");
  });
});

describe("a tenant's identity in the dashboard", () => {
  async function publicJwk(kid: string) {
    const pair = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
      "sign",
      "verify",
    ])) as CryptoKeyPair;
    const jwk = (await crypto.subtle.exportKey("jwk", pair.publicKey)) as JsonWebKey;
    return { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, kid, alg: "ES256", use: "sig" };
  }

  async function adminOnNewTenant() {
    const admin = await createUser({ userType: "adminuser" });
    const staff = await signInToDashboard(admin.email, admin.password);
    const name = `Tenant ${crypto.randomUUID().slice(0, 8)}`;
    await staff.post("/dashboard/admin/businesses", { name });
    const list = await (await staff.get("/dashboard/admin/businesses")).text();
    const href = /href="(\/dashboard\/admin\/tenants\/[^"]+)"/.exec(list.slice(list.indexOf(name)))?.[1] ?? "";
    return { staff, href };
  }

  it("starts with no provider, adds one with inline keys, then removes it behind a confirmation", async () => {
    const { staff, href } = await adminOnNewTenant();
    expect(await (await staff.get(href)).text()).toContain("No identity provider yet");
    const res = await staff.post(`${href}/providers`, {
      issuer: "https://idp.dashboard.test",
      audience: "dashboard-app",
      jwksInline: JSON.stringify({ keys: [await publicJwk("k1")] }),
      allowedAlgorithms: ["ES256"],
    });
    expect(res.status).toBe(303);
    const page = await (await staff.get(href)).text();
    expect(page).toContain("https://idp.dashboard.test");
    expect(page).toContain("1 inline key(s)");
    const removeHref = /href="([^"]+\/remove)"/.exec(page)?.[1] ?? "";
    expect(await (await staff.get(removeHref)).text()).toContain("Remove this identity provider?");
    expect((await staff.post(removeHref)).status).toBe(303);
    expect(await (await staff.get(href)).text()).toContain("No identity provider yet");
  });

  it("refuses a plain-http JWKS URL, bad JSON and a private key, in words beside the field", async () => {
    const { staff, href } = await adminOnNewTenant();
    const base = { issuer: "https://idp2.dashboard.test", audience: "app", allowedAlgorithms: ["ES256"] };
    const http = await staff.post(`${href}/providers`, { ...base, jwksUrl: "http://idp.example.com/jwks" });
    expect(http.status).toBe(400);
    expect(await http.text()).toContain(
      'id="jwksUrl-error">Must use https (http only for localhost in local development).',
    );
    const bad = await staff.post(`${href}/providers`, { ...base, jwksInline: "{not json" });
    expect(await bad.text()).toContain('id="jwksInline-error">This is not valid JSON.');
    const none = await staff.post(`${href}/providers`, { ...base, allowedAlgorithms: [] });
    expect(await none.text()).toContain('id="allowedAlgorithms-error"');
    expect(await (await staff.get(href)).text()).toContain("No identity provider yet");
  });

  it("saves auth types, anonymous users and the admin list; a malformed admin line is refused", async () => {
    const { staff, href } = await adminOnNewTenant();
    const saved = await staff.post(`${href}/settings`, {
      enabledAuthTypes: ["business", "system"],
      allowJWTForUnauthenticatedUsers: "on",
      adminIdentities: "https://idp.dashboard.test admin-subject-1",
    });
    expect(saved.headers.get("location")).toBe(`${href}?notice=saved`);
    const page = await (await staff.get(href)).text();
    expect(page).toMatch(/value="business" checked/);
    expect(page).toMatch(/value="on" checked/);
    expect(page).toContain("https://idp.dashboard.test admin-subject-1");
    const bad = await staff.post(`${href}/settings`, { adminIdentities: "only-an-issuer" });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("Each line needs an issuer, a space, then a subject.");
  });

  it("is for admin users only", async () => {
    const { href } = await adminOnNewTenant();
    const person = await createUser();
    const visitor = await signInToDashboard(person.email, person.password);
    expect((await visitor.get(href)).status).toBe(403);
    expect((await visitor.post(`${href}/settings`, { adminIdentities: "" })).status).toBe(403);
  });
});
