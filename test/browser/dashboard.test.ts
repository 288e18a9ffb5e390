import { createServer, type Server } from "node:http";
import type { Browser, Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_API_KEYS } from "../../scripts/lib/demo-api-keys.ts";
import { DEMO_BUSINESS } from "../../scripts/lib/demo-data.ts";
import { signDemoIdentityToken } from "../../scripts/lib/demo-identity-provider.ts";
import { freePort, type LocalGatehouse, startLocalGatehouse } from "../../scripts/lib/local-gatehouse.ts";
import { clickAndWait, launchChromium, signIn, textOf } from "./support.ts";

/**
 * The dashboard in Debian's Chromium against a local Gatehouse started like `npm run dev`, with
 * the demo accounts. Every wait is for a selector or a navigation.
 */

const USER = { email: "ursula@example.com", password: "user-password-1" };
const ADMIN = { email: "admin@example.com", password: "admin-password-1" };
const SMS_PATH = "/v1/notification/api/sms/send";

let gatehouse: LocalGatehouse;
let browser: Browser;

beforeAll(async () => {
  gatehouse = await startLocalGatehouse();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await gatehouse?.stop();
});

function sendSms(key: string): Promise<Response> {
  return fetch(`${gatehouse.baseUrl}${SMS_PATH}`, {
    method: "POST",
    headers: { "X-Ping-Api-Key": key, "Content-Type": "application/json" },
    body: JSON.stringify({ to_phone: "+263771234567", message: "hello from the browser test" }),
  });
}

async function openKeysPage(page: Page): Promise<void> {
  await clickAndWait(page, "a[href$='/keys']");
  await page.waitForSelector("#create-key");
}

async function createKey(page: Page, name: string): Promise<string> {
  await page.type("#name", name);
  await page.click("input[name=mode][value=live]");
  await page.click("input[name=permissions][value=sms]");
  await clickAndWait(page, "form:has(#name) button[type=submit]");
  await page.waitForSelector("#new-key");
  return textOf(page, "#new-key");
}

describe("a member in the browser", () => {
  let page: Page;
  let key: string;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    page = await (await browser.createBrowserContext()).newPage();
    page.on("console", (message) => {
      if (message.type() === "error") consoleErrors.push(`${page.url()}: ${message.text()}`);
    });
    page.on("pageerror", (error) => consoleErrors.push(`${page.url()}: ${error}`));
    await signIn(page, gatehouse.baseUrl, USER.email, USER.password);
  });

  it("signs in and sees their business", async () => {
    expect(new URL(page.url()).pathname).toBe("/dashboard/businesses");
    expect(await page.content()).toContain("Acme Corp");
  });

  it("creates a key, sees it once with a copy button, and uses it through the gateway", async () => {
    await openKeysPage(page);
    key = await createKey(page, "Browser test key");
    expect(key).toMatch(/^sk_live_/);
    expect(await textOf(page, ".warning")).toContain("You won't see it again");
    expect(await page.$eval("[data-copy]", (b) => (b as HTMLButtonElement).hidden)).toBe(false);
    expect(page.url()).not.toContain(key);
    expect((await sendSms(key)).status).toBe(200);
    await clickAndWait(page, "a[href$='/keys']");
    expect(await page.content()).not.toContain(key);
  });

  it("renders in standards mode, and a refused form brings its first mistake into view and focus", async () => {
    await page.waitForSelector("#create-key");
    expect(await page.evaluate(() => document.compatMode)).toBe("CSS1Compat");
    await page.type("#name", "Expired already");
    await page.$eval("#expires_on", (input) => {
      (input as HTMLInputElement).value = "2020-01-01";
    });
    const before = consoleErrors.length;
    await clickAndWait(page, "form:has(#name) button[type=submit]");
    // The browser reports the page's own 400 on the console; that one is this test's doing.
    const reported = consoleErrors.splice(before);
    expect(
      reported.every((line) => line.includes("status of 400")),
      reported.join("\n"),
    ).toBe(true);
    const focused = await page.evaluate(() => {
      const element = document.activeElement as HTMLElement;
      const box = element.getBoundingClientRect();
      return { id: element.id, inView: box.top >= 0 && box.bottom <= window.innerHeight };
    });
    expect(focused).toEqual({ id: "expires_on", inView: true });
    expect(await page.$eval("#expires_on-error", (p) => p.textContent)).toContain("future");
  });

  it("rolls it after a confirmation naming the grace period; both keys work during the grace", async () => {
    const row = "tr:has(td:first-child)";
    await page.waitForSelector(row);
    const rollLink = await page.$$eval("a[href$='/roll']", (links) =>
      (links[0] as HTMLAnchorElement).getAttribute("href"),
    );
    await page.goto(`${gatehouse.baseUrl}${rollLink}`);
    expect(await page.content()).toContain("keeps working for 24 hours");
    await clickAndWait(page, "form button.danger");
    const fresh = await textOf(page, "#new-key");
    expect(fresh).not.toBe(key);
    expect((await sendSms(fresh)).status).toBe(200);
    expect((await sendSms(key)).status).toBe(200);
    key = fresh;
  });

  it("revokes it after a confirmation; the gateway then refuses it", async () => {
    await page.goto(`${gatehouse.baseUrl}/dashboard/businesses`);
    await openKeysPage(page);
    const prefix = key.slice(0, 12);
    const revokeLink = await page.$$eval(
      "tr",
      (rows, wanted) => {
        const row = rows.find((r) => r.textContent?.includes(wanted as string));
        return row?.querySelector("a[href$='/revoke']")?.getAttribute("href") ?? null;
      },
      prefix,
    );
    expect(revokeLink).toBeTruthy();
    await page.goto(`${gatehouse.baseUrl}${revokeLink}`);
    await clickAndWait(page, "form button.danger");
    expect(await textOf(page, ".notice")).toBe("The key is revoked.");
    expect((await sendSms(key)).status).toBe(401);
  });

  it("ends another of their sessions, which is then signed out", async () => {
    const other = await (await browser.createBrowserContext()).newPage();
    await signIn(other, gatehouse.baseUrl, USER.email, USER.password);
    await page.goto(`${gatehouse.baseUrl}/dashboard/sessions`);
    const revokeLinks = await page.$$eval("a[href$='/revoke']", (links) => links.map((l) => l.getAttribute("href")));
    // Newest first: the other browser's session is the first one that is not this one.
    await page.goto(`${gatehouse.baseUrl}${revokeLinks[0]}`);
    await clickAndWait(page, "form button.danger");
    expect(await textOf(page, ".notice")).toBe("The session is ended.");
    await other.goto(`${gatehouse.baseUrl}/dashboard/businesses`);
    expect(new URL(other.url()).pathname).toBe("/dashboard/sign-in");
    expect(await textOf(other, ".notice")).toContain("Your session has ended");
  });

  it("saw no console error on any page it went through (a missing favicon included)", () => {
    expect(consoleErrors).toEqual([]);
  });
});

describe("an admin in the browser", () => {
  it("creates a user and disables them; the user can no longer sign in", async () => {
    const page = await (await browser.createBrowserContext()).newPage();
    await signIn(page, gatehouse.baseUrl, ADMIN.email, ADMIN.password);
    await page.goto(`${gatehouse.baseUrl}/dashboard/admin/users`);
    const email = `browser-${Date.now()}@example.com`;
    await page.select("#user_type", "user");
    await page.type("#email", email);
    await page.type("#password", "browser-password-1");
    await clickAndWait(page, "form[action='/dashboard/admin/users'][method=post] button[type=submit]");
    const disableLink = await page.$$eval(
      "tr",
      (rows, wanted) =>
        rows
          .find((r) => r.textContent?.includes(wanted as string))
          ?.querySelector("a[href$='/disable']")
          ?.getAttribute("href") ?? null,
      email,
    );
    expect(disableLink).toBeTruthy();
    await page.goto(`${gatehouse.baseUrl}${disableLink}`);
    expect(await page.content()).toContain(email);
    await clickAndWait(page, "form button.danger");
    expect(await textOf(page, ".notice")).toContain("disabled");

    const person = await (await browser.createBrowserContext()).newPage();
    await signIn(person, gatehouse.baseUrl, email, "browser-password-1");
    expect(new URL(person.url()).pathname).toBe("/dashboard/sign-in");
    expect(await textOf(person, ".form-error")).toContain("do not match an active account");
  });
});

describe("an admin on a PERS tenant's page", () => {
  const projectKey = DEMO_API_KEYS.find((key) => key.publicId === "key_demo_pk_test")?.plaintext ?? "";

  function persCall(path: string, body: unknown): Promise<Response> {
    return fetch(`${gatehouse.baseUrl}${path}`, {
      method: "POST",
      headers: { "x-project-key": projectKey, "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
  }

  it("disables a tenant user after a confirmation; the list says disabled and their refresh is refused", async () => {
    const subject = `browser-${Date.now()}`;
    const exchanged = await persCall("/v2/auth/token", { authToken: await signDemoIdentityToken({ subject }) });
    expect(exchanged.status).toBe(200);
    const { refreshToken } = (await exchanged.json()) as { refreshToken: string };

    const page = await (await browser.createBrowserContext()).newPage();
    await signIn(page, gatehouse.baseUrl, ADMIN.email, ADMIN.password);
    await page.goto(`${gatehouse.baseUrl}/dashboard/admin/businesses`);
    await clickAndWait(page, `a[href='/dashboard/admin/tenants/${DEMO_BUSINESS.publicId}']`);
    const userRow = (wanted: string) =>
      page.$$eval(
        "#users tr",
        (rows, text) => {
          const row = rows.find((r) => r.textContent?.includes(text as string));
          return Array.from(row?.querySelectorAll("td") ?? [], (cell) => (cell.textContent ?? "").trim());
        },
        wanted,
      );
    expect((await userRow(subject))[5]).toBe("active");
    const disableLink = await page.$$eval(
      "#users tr",
      (rows, text) =>
        rows
          .find((row) => row.textContent?.includes(text as string))
          ?.querySelector("a[href$='/disable']")
          ?.getAttribute("href") ?? null,
      subject,
    );
    expect(disableLink).toBeTruthy();
    await clickAndWait(page, `a[href='${disableLink}']`);
    expect(await textOf(page, "h1")).toBe("Disable this user?");
    expect(await page.content()).toContain(subject);
    await clickAndWait(page, "form button.danger");

    expect(new URL(page.url()).hash).toBe("#users");
    expect(await textOf(page, "#users .notice")).toContain("The user is disabled");
    expect((await userRow(subject))[5]).toBe("disabled");
    expect(await page.$(`#users a[href='${disableLink}']`)).toBeNull();
    expect((await persCall("/v2/auth/refresh", { refreshToken })).status).toBe(403);
  });
});

describe("an admin's mistakes on a tenant's page", () => {
  // One sign-in for both tests: the demo admin's sign-ins from one address are limited per minute.
  let signedIn: Page;
  beforeAll(async () => {
    signedIn = await (await browser.createBrowserContext()).newPage();
    await signIn(signedIn, gatehouse.baseUrl, ADMIN.email, ADMIN.password);
  });

  async function tenantPage(): Promise<Page> {
    await signedIn.goto(`${gatehouse.baseUrl}/dashboard/admin/tenants/${DEMO_BUSINESS.publicId}`);
    return signedIn;
  }
  const focusedField = (page: Page) =>
    page.evaluate(() => {
      const element = document.activeElement as HTMLElement;
      return { id: element.id, invalid: element.getAttribute("aria-invalid") };
    });

  it("a provider the service refuses is marked at its field, which gets focus", async () => {
    const page = await tenantPage();
    await page.type("#issuer", `https://idp-${Date.now()}.example.com`);
    await page.type("#audience", "app");
    await page.type("#jwksUrl", "http://example.com/jwks");
    await clickAndWait(page, "form:has(#jwksUrl) button[type=submit]");
    expect(await focusedField(page)).toEqual({ id: "jwksUrl", invalid: "true" });
    expect(await textOf(page, "#jwksUrl-error")).toBe("Must use https (http only for localhost in local development).");
    await page.$eval("#jwksUrl", (input) => {
      (input as HTMLInputElement).value = "";
    });
    await page.type("#jwksInline", '{"keys": [{"kty": "RSA"}]}');
    await clickAndWait(page, "form:has(#jwksUrl) button[type=submit]");
    expect(await focusedField(page)).toEqual({ id: "jwksInline", invalid: "true" });
    expect(await textOf(page, "#jwksInline-error")).toMatch(/^Keys\[0\] is not a usable public signature key/);
  });

  it("a users filter with half an identity focuses the field, below the page's fold", async () => {
    const page = await tenantPage();
    await page.type("#user-issuer", "https://idp.example.test");
    await clickAndWait(page, "form:has(#user-issuer) button[type=submit]");
    expect(new URL(page.url()).hash).toBe("#users");
    expect((await focusedField(page)).id).toMatch(/^user-(issuer|subject)$/);
  });
});

describe("another site", () => {
  let attacker: Server;
  let attackerUrl: string;

  beforeAll(async () => {
    const port = await freePort();
    attackerUrl = `http://127.0.0.1:${port}`;
    attacker = createServer((_req, res) => {
      res.setHeader("Content-Type", "text/html");
      // A page on another origin (another port) posting a form to the dashboard, as CSRF does.
      res.end(`<!doctype html><form id="f" method="post" action="${gatehouse.baseUrl}/dashboard/businesses/${DEMO_BUSINESS.publicId}/keys">
        <input name="_csrf" value="guessed"><input name="name" value="Planted by CSRF"><input name="mode" value="live">
        <input name="kind" value="secret"><input name="permissions" value="sms"></form><button id="go" form="f">go</button>`);
    });
    await new Promise<void>((resolve) => attacker.listen(port, "127.0.0.1", resolve));
  });

  afterAll(() => new Promise<void>((resolve) => attacker.close(() => resolve())));

  it("cannot post a dashboard form: the request is refused and the victim stays signed in", async () => {
    const page = await (await browser.createBrowserContext()).newPage();
    await signIn(page, gatehouse.baseUrl, ADMIN.email, ADMIN.password);
    await page.goto(attackerUrl);
    await clickAndWait(page, "#go");
    expect(await page.content()).toContain("Cross-site request refused.");
    await page.goto(`${gatehouse.baseUrl}/dashboard/businesses/${DEMO_BUSINESS.publicId}/keys`);
    expect(new URL(page.url()).pathname).toContain("/keys");
    expect(await page.content()).not.toContain("Planted by CSRF");
  });
});
