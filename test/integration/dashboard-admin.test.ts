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
    expect((await staff.post("/dashboard/admin/businesses", { name })).status).toBe(303);
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
    expect((await staff.post("/dashboard/admin/users", fields)).status).toBe(303);
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
