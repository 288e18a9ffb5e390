import { describe, expect, it } from "vitest";
import { createUser } from "../support/accounts";
import { DASHBOARD_COOKIE, postForm, signInToDashboard } from "../support/dashboard";
import { send, sendJson } from "../support/worker";

describe("signing in to the dashboard", () => {
  it("a signed-out visitor is sent to the sign-in page, which is a nonce'd, unframeable, uncached page", async () => {
    const res = await send("/dashboard/businesses", { redirect: "manual" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/dashboard/sign-in");
    const page = await send("/dashboard/sign-in");
    expect(page.status).toBe(200);
    const csp = page.headers.get("content-security-policy") ?? "";
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain("unsafe-inline");
    expect(page.headers.get("cache-control")).toBe("no-store");
    const html = await page.text();
    expect(html).toContain(`<script nonce="${nonce}">`);
    expect(html).toContain('<label for="email">Email</label>');
    // A fresh nonce for every response.
    const again = await send("/dashboard/sign-in");
    expect(again.headers.get("content-security-policy")).not.toBe(csp);
  });

  it.each(["user", "adminuser", "agent"] as const)(
    "a %s signs in with email and password and gets a dashboard-only cookie",
    async (userType) => {
      const account = await createUser({ userType });
      const res = await postForm("/dashboard/sign-in", { email: account.email, password: account.password });
      expect(res.status).toBe(303);
      expect(res.headers.get("location")).toBe("/dashboard/businesses");
      const line = res.headers.getSetCookie().find((l) => l.startsWith(`${DASHBOARD_COOKIE}=`)) ?? "";
      expect(line).toContain("Path=/dashboard");
      expect(line).toContain("HttpOnly");
      expect(line).toContain("Secure");
      expect(line).toContain("SameSite=Strict");
      // The 12-hour session, plus a day in which a visit is told the session ended.
      expect(line).toContain("Max-Age=129600");
      expect(res.headers.getSetCookie().some((l) => l.startsWith("session_token="))).toBe(false);
    },
  );

  it("a wrong password is refused in words beside the form, never as JSON, and sets no cookie", async () => {
    const account = await createUser();
    const res = await postForm("/dashboard/sign-in", { email: account.email, password: "not-the-password" });
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toContain("text/html");
    const html = await res.text();
    expect(html).toContain("That email and password do not match an active account.");
    expect(html).toContain(`value="${account.email}"`);
    expect(html).not.toContain("not-the-password");
    expect(res.headers.getSetCookie()).toEqual([]);
  });

  it("an empty field is named beside that field", async () => {
    const res = await postForm("/dashboard/sign-in", { email: "", password: "" });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('id="email-error"');
    expect(html).toContain('aria-invalid="true"');
  });

  it("a disabled account cannot sign in", async () => {
    const account = await createUser();
    const admin = await createUser({ userType: "adminuser" });
    const staff = await signInToDashboard(admin.email, admin.password);
    expect((await staff.post(`/dashboard/admin/users/${account.publicId}/disable`)).status).toBe(303);
    const res = await postForm("/dashboard/sign-in", { email: account.email, password: account.password });
    expect(res.status).toBe(401);
  });

  it("a sign-in form posted from another site is refused (login CSRF)", async () => {
    const account = await createUser();
    const attempts: Record<string, string>[] = [
      { "Sec-Fetch-Site": "cross-site" },
      { "Sec-Fetch-Site": "same-site" },
      { "Sec-Fetch-Site": "", Origin: "https://evil.example" },
    ];
    for (const headers of attempts) {
      const res = await postForm("/dashboard/sign-in", { email: account.email, password: account.password }, headers);
      expect(res.status).toBe(403);
      expect(res.headers.getSetCookie()).toEqual([]);
    }
  });

  it("the trusted dashboard origins of the JSON API are not trusted to post dashboard forms", async () => {
    const account = await createUser();
    const res = await postForm(
      "/dashboard/sign-in",
      { email: account.email, password: account.password },
      { "Sec-Fetch-Site": "cross-site", Origin: "https://dashboard.example.com" },
    );
    expect(res.status).toBe(403);
  });
});

describe("the dashboard session is not a seed credential", () => {
  it("a dashboard cookie sent as session_token is refused by PingPage's /v1/me", async () => {
    const account = await createUser();
    const visitor = await signInToDashboard(account.email, account.password);
    const res = await send("/v1/me", { headers: { Cookie: `session_token=${visitor.cookie}` } });
    expect(res.status).toBe(401);
  });

  it("PingPage's cookie login still refuses admin users and agents", async () => {
    for (const userType of ["adminuser", "agent"] as const) {
      const account = await createUser({ userType });
      const res = await sendJson("/v1/auth/login", "POST", { email: account.email, password: account.password });
      expect(res.status).toBe(401);
    }
  });

  it("a PingPage session_token does not open the dashboard", async () => {
    const account = await createUser();
    const login = await sendJson("/v1/auth/login", "POST", { email: account.email, password: account.password });
    const value = /session_token=([^;]+)/.exec(login.headers.get("set-cookie") ?? "")?.[1];
    const res = await send("/dashboard/businesses", {
      headers: { Cookie: `${DASHBOARD_COOKIE}=${value}` },
      redirect: "manual",
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/dashboard/sign-in?notice=expired");
  });
});

describe("signing out", () => {
  it("ends the session: the old cookie now leads to sign-in", async () => {
    const account = await createUser();
    const visitor = await signInToDashboard(account.email, account.password);
    const res = await visitor.post("/dashboard/sign-out");
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/dashboard/sign-in?notice=signed-out");
    expect(res.headers.getSetCookie().join()).toContain(`${DASHBOARD_COOKIE}=;`);
    const after = await visitor.get("/dashboard/businesses");
    expect(after.status).toBe(303);
    expect(after.headers.get("location")).toBe("/dashboard/sign-in?notice=expired");
  });

  it("a sign-out from a form shown before the latest sign-in (another tab) ends the session held now", async () => {
    const account = await createUser();
    const earlier = await signInToDashboard(account.email, account.password);
    const now = await signInToDashboard(account.email, account.password);
    const res = await postForm(
      "/dashboard/sign-out",
      { _csrf: earlier.formToken },
      { Cookie: `${DASHBOARD_COOKIE}=${now.cookie}` },
    );
    expect(res.headers.get("location")).toBe("/dashboard/sign-in?notice=signed-out");
    expect((await now.get("/dashboard/businesses")).status).toBe(303);
    expect((await earlier.get("/dashboard/businesses")).status).toBe(200);
  });

  it("a sign-out another site starts is refused and ends nothing", async () => {
    const account = await createUser();
    const visitor = await signInToDashboard(account.email, account.password);
    const res = await postForm(
      "/dashboard/sign-out",
      {},
      { Cookie: `${DASHBOARD_COOKIE}=${visitor.cookie}`, "Sec-Fetch-Site": "cross-site", Origin: "https://evil.test" },
    );
    expect(res.status).toBe(403);
    expect((await visitor.get("/dashboard/businesses")).status).toBe(200);
  });
});
