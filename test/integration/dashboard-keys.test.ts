import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { flushApiKeyUsageNow } from "../../src/services/api-keys/usage";
import { openDatabase } from "../../src/storage/db";
import { businesses } from "../../src/storage/schema";
import { addMembership, createUser, type TestUser } from "../support/accounts";
import { type DashboardVisitor, postForm, signInToDashboard } from "../support/dashboard";
import { send } from "../support/worker";

const SMS_PATH = "/v1/notification/api/sms/send";
const smsWith = (key: string) =>
  send(SMS_PATH, {
    method: "POST",
    headers: { "X-Ping-Api-Key": key, "Content-Type": "application/json" },
    body: JSON.stringify({ to_phone: "+263771234567", message: "hello" }),
  });

const KEY_PATTERN = /sk_live_[A-Za-z0-9]+/;

let owner: TestUser;
let visitor: DashboardVisitor;
let businessId: string;

beforeAll(async () => {
  owner = await createUser({ businessNames: ["Dashboard Keys Ltd"] });
  const db = openDatabase(env.DB);
  const [row] = await db
    .select()
    .from(businesses)
    .where(eq(businesses.id, owner.businessIds[0] ?? 0));
  businessId = row?.publicId ?? "";
  visitor = await signInToDashboard(owner.email, owner.password);
});

async function createKeyThroughPage(fields: Record<string, string | string[]> = {}) {
  const res = await visitor.post(`/dashboard/businesses/${businessId}/keys`, {
    name: "Billing server",
    mode: "live",
    kind: "secret",
    permissions: ["sms"],
    ...fields,
  });
  const html = await res.text();
  return { res, html, key: KEY_PATTERN.exec(html)?.[0] };
}

describe("a member's API keys in the dashboard", () => {
  it("the home page lists the businesses they belong to; the key list starts empty", async () => {
    const home = await (await visitor.get("/dashboard/businesses")).text();
    expect(home).toContain("Dashboard Keys Ltd");
    const other = await createUser({ businessNames: ["Empty Keys Ltd"] });
    const otherVisitor = await signInToDashboard(other.email, other.password);
    const page = await (await otherVisitor.get("/dashboard/businesses")).text();
    const link = /href="(\/dashboard\/businesses\/[^"]+\/keys)"/.exec(page)?.[1] ?? "";
    expect(await (await otherVisitor.get(link)).text()).toContain("No API keys yet");
  });

  it("a created key is shown once, works through the gateway, and never appears again", async () => {
    const { res, html, key } = await createKeyThroughPage();
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(html).toContain("You won&#39;t see it again");
    expect(html).toContain('data-copy="new-key"');
    expect(key).toBeTruthy();
    expect((await smsWith(key ?? "")).status).toBe(200);
    await flushApiKeyUsageNow({ db: openDatabase(env.DB), now: new Date() });
    const list = await (await visitor.get(`/dashboard/businesses/${businessId}/keys`)).text();
    expect(list).toContain("Billing server");
    expect(list).toContain("sk live");
    expect(list).not.toContain(key ?? "");
    expect(list).toContain("<svg");
    // The chart reads the day's count the usage flush wrote to D1.
    expect(list).toContain('aria-label="Billing server: 1 request in the last 14 days"');
  });

  it("a form without its token, or posted from another site, creates nothing", async () => {
    const before = await (await visitor.get(`/dashboard/businesses/${businessId}/keys`)).text();
    const count = (before.match(/<tr>/g) ?? []).length;
    const cookie = { Cookie: `gatehouse_dashboard=${visitor.cookie}` };
    const noToken = await postForm(
      `/dashboard/businesses/${businessId}/keys`,
      { name: "x", mode: "test", kind: "secret" },
      cookie,
    );
    expect(noToken.status).toBe(403);
    expect(noToken.headers.get("content-type")).toContain("text/html");
    expect(await noToken.text()).toContain("This form is out of date");
    const crossSite = await postForm(
      `/dashboard/businesses/${businessId}/keys`,
      { _csrf: visitor.formToken, name: "x", mode: "test", kind: "secret" },
      { ...cookie, "Sec-Fetch-Site": "cross-site", Origin: "https://evil.example" },
    );
    expect(crossSite.status).toBe(403);
    expect(await crossSite.text()).toContain("Cross-site request refused.");
    const after = await (await visitor.get(`/dashboard/businesses/${businessId}/keys`)).text();
    expect((after.match(/<tr>/g) ?? []).length).toBe(count);
  });

  it("mistakes are named beside their fields, and what was typed is kept", async () => {
    const { res, html } = await createKeyThroughPage({ name: "", mode: "sideways" });
    expect(res.status).toBe(400);
    expect(html).toContain('id="name-error"');
    expect(html).toContain('id="mode-error"');
    const past = await createKeyThroughPage({ name: "Old", expires_on: "2001-01-01" });
    expect(past.res.status).toBe(400);
    expect(past.html).toMatch(/id="expires_on-error">Must be in the future/);
    expect(past.html).toContain('value="Old"');
  });

  it("roll: a confirmation stating the grace period, then the new key once; the old one works in its grace", async () => {
    const { key: old } = await createKeyThroughPage({ name: "Rolling" });
    const list = await (await visitor.get(`/dashboard/businesses/${businessId}/keys`)).text();
    const rollHref = /href="(\/dashboard\/keys\/key_[^"]+\/roll)"/.exec(list)?.[1] ?? "";
    const confirm = await (await visitor.get(rollHref)).text();
    expect(confirm).toContain("keeps working for 24 hours");
    const rolled = await visitor.post(rollHref);
    const html = await rolled.text();
    const fresh = KEY_PATTERN.exec(html)?.[0];
    expect(fresh).toBeTruthy();
    expect(fresh).not.toBe(old);
    expect(html).toContain("works until");
    expect((await smsWith(fresh ?? "")).status).toBe(200);
    expect((await smsWith(old ?? "")).status).toBe(200);
    // The rolled key's own confirmation is refused as its roll would be, before anything is offered.
    const again = await visitor.get(rollHref);
    expect(again.status).toBe(409);
    const refusal = await again.text();
    expect(refusal).toContain("This API key has been revoked, rolled or has expired.");
    expect(refusal).not.toContain("Roll key");
  });

  it("a suspended business's key gets no roll confirmation: 409 first, as its roll would", async () => {
    await createKeyThroughPage({ name: "Suspended roll" });
    const list = await (await visitor.get(`/dashboard/businesses/${businessId}/keys`)).text();
    const rollHref = /href="(\/dashboard\/keys\/key_[^"]+\/roll)"/.exec(list)?.[1] ?? "";
    const setStatus = (status: "suspended" | "verified") =>
      openDatabase(env.DB)
        .update(businesses)
        .set({ status })
        .where(eq(businesses.id, owner.businessIds[0] ?? 0));
    await setStatus("suspended");
    try {
      const res = await visitor.get(rollHref);
      expect(res.status).toBe(409);
      expect(await res.text()).toContain("The business is suspended");
    } finally {
      await setStatus("verified");
    }
    expect((await visitor.get(rollHref)).status).toBe(200);
  });

  it("revoke: behind a confirmation; afterwards the gateway refuses the key", async () => {
    const { key } = await createKeyThroughPage({ name: "Doomed" });
    const list = await (await visitor.get(`/dashboard/businesses/${businessId}/keys`)).text();
    const revokeHref = /href="(\/dashboard\/keys\/key_[^"]+\/revoke)"/.exec(list)?.[1] ?? "";
    expect(await (await visitor.get(revokeHref)).text()).toContain("cannot be undone");
    const res = await visitor.post(revokeHref);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`/dashboard/businesses/${businessId}/keys?notice=revoked`);
    expect((await smsWith(key ?? "")).status).toBe(401);
  });

  it("a viewer sees the keys but is offered no roll, revoke or new key, and the confirmations are refused", async () => {
    await createKeyThroughPage({ name: "Watched" });
    const ownerList = await (await visitor.get(`/dashboard/businesses/${businessId}/keys`)).text();
    const revokeHref = /href="(\/dashboard\/keys\/key_[^"]+\/revoke)"/.exec(ownerList)?.[1] ?? "";
    const rollHref = revokeHref.replace(/revoke$/, "roll");
    expect(ownerList).toContain('name="name"');

    const viewer = await createUser();
    await addMembership(owner.businessIds[0] ?? 0, viewer.id, "viewer");
    const viewerVisitor = await signInToDashboard(viewer.email, viewer.password);
    const list = await viewerVisitor.get(`/dashboard/businesses/${businessId}/keys`);
    const html = await list.text();
    expect(list.status).toBe(200);
    expect(html).toContain("Watched");
    expect(html).not.toMatch(/\/dashboard\/keys\/key_[^"]+\/(roll|revoke)/);
    expect(html).not.toContain('name="name"');
    expect(html).toContain("you cannot create or change them");
    for (const href of [rollHref, revokeHref]) {
      const confirm = await viewerVisitor.get(href);
      expect(confirm.status).toBe(403);
      expect(await confirm.text()).not.toContain("Revoke key");
    }
    expect((await visitor.get(revokeHref)).status).toBe(200);
  });

  it("a developer is offered test keys without bulk, and a refused live key says why", async () => {
    expect(await (await visitor.get(`/dashboard/businesses/${businessId}/keys`)).text()).toMatch(
      /name="mode" value="live"[\s\S]*name="permissions" value="bulk"/,
    );
    const developer = await createUser();
    await addMembership(owner.businessIds[0] ?? 0, developer.id, "developer");
    const developerVisitor = await signInToDashboard(developer.email, developer.password);
    const keysPath = `/dashboard/businesses/${businessId}/keys`;
    const html = await (await developerVisitor.get(keysPath)).text();
    expect(html).toContain('name="mode" value="test"');
    expect(html).not.toContain('value="live"');
    expect(html).toContain('name="permissions" value="sms"');
    expect(html).not.toContain('value="bulk"');

    const newKey = (name: string, mode: string) =>
      developerVisitor.post(keysPath, { name, mode, kind: "secret", permissions: "sms" });
    const live = await newKey("Sneaky", "live");
    expect(live.status).toBe(403);
    const refusal = await live.text();
    expect(refusal).toContain("Your role in this business does not allow this.");
    expect(refusal).not.toContain("admin users");
    expect(refusal).not.toMatch(/sk_(live|test)_/);
    const test = await newKey("Allowed", "test");
    expect(test.status).toBe(200);
    expect(await test.text()).toMatch(/sk_test_[A-Za-z0-9]+/);
  });

  it("another business's keys and pages are not found", async () => {
    const stranger = await createUser({ businessNames: ["Stranger Ltd"] });
    const strangerVisitor = await signInToDashboard(stranger.email, stranger.password);
    expect((await strangerVisitor.get(`/dashboard/businesses/${businessId}/keys`)).status).toBe(404);
    const res = await strangerVisitor.post(`/dashboard/businesses/${businessId}/keys`, {
      name: "x",
      mode: "test",
      kind: "secret",
    });
    expect(res.status).toBe(404);
    expect(await res.text()).toContain("Business not found.");
  });
});

describe("own sessions in the dashboard", () => {
  it("lists this session and another; revoking the other signs it out", async () => {
    const person = await createUser();
    const here = await signInToDashboard(person.email, person.password);
    const there = await signInToDashboard(person.email, person.password);
    const page = await (await here.get("/dashboard/sessions")).text();
    expect(page).toContain("This session");
    const revokeHref = /href="(\/dashboard\/sessions\/[A-Za-z0-9_-]+\/revoke)"/.exec(page)?.[1] ?? "";
    expect((await here.post(revokeHref)).status).toBe(303);
    const after = await there.get("/dashboard/businesses");
    expect(after.headers.get("location")).toBe("/dashboard/sign-in?notice=expired");
    expect((await here.get("/dashboard/businesses")).status).toBe(200);
  });

  it("an unknown or malformed session id is not found, and nothing ends", async () => {
    const person = await createUser();
    const here = await signInToDashboard(person.email, person.password);
    expect((await here.post("/dashboard/sessions/AAAAAAAAAAAAAAAAAAAAAA/revoke")).status).toBe(404);
    expect((await here.get("/dashboard/sessions/not:a:session/revoke")).status).toBe(404);
    expect((await here.get("/dashboard/businesses")).status).toBe(200);
  });

  it("sign out everywhere ends every session, this one too", async () => {
    const person = await createUser();
    const here = await signInToDashboard(person.email, person.password);
    const there = await signInToDashboard(person.email, person.password);
    const res = await here.post("/dashboard/sessions/everywhere");
    expect(res.headers.get("location")).toBe("/dashboard/sign-in?notice=signed-out");
    expect((await here.get("/dashboard/businesses")).status).toBe(303);
    expect((await there.get("/dashboard/businesses")).status).toBe(303);
  });
});
