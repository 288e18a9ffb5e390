/**
 * `npm run screenshots`: the dashboard's main pages at desktop (1280 px) and phone (375 px) width,
 * into docs/screenshots/, from a throwaway local Gatehouse with the demo data.
 */
import { mkdirSync } from "node:fs";
import type { Page } from "puppeteer-core";
import { launchChromium } from "./lib/chromium.ts";
import { DEMO_API_KEYS } from "./lib/demo-api-keys.ts";
import { DEMO_BUSINESS } from "./lib/demo-data.ts";
import { signDemoIdentityToken } from "./lib/demo-identity-provider.ts";
import { startLocalGatehouse } from "./lib/local-gatehouse.ts";

const OUT = "docs/screenshots";
const WIDTHS = { desktop: 1280, phone: 375 } as const;

async function shoot(page: Page, name: string): Promise<void> {
  for (const [label, width] of Object.entries(WIDTHS)) {
    await page.setViewport({ width, height: 800 });
    await page.screenshot({ path: `${OUT}/${name}-${label}.png`, fullPage: true });
  }
}

async function submit(page: Page, selector: string): Promise<void> {
  await Promise.all([page.waitForNavigation(), page.click(selector)]);
}

/** Two end users of the demo tenant, signed in through PERS, so its page has users to show. */
async function signInDemoTenantUsers(base: string): Promise<void> {
  const projectKey = DEMO_API_KEYS.find((key) => key.publicId === "key_demo_pk_test")?.plaintext ?? "";
  for (const subject of ["demo-user-1", "demo-user-2"]) {
    const authToken = await signDemoIdentityToken({ subject, email: `${subject}@example.com`, name: subject });
    await fetch(`${base}/v2/auth/token`, {
      method: "POST",
      headers: { "x-project-key": projectKey, "Content-Type": "application/json" },
      body: JSON.stringify({ authToken }),
    });
  }
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const gatehouse = await startLocalGatehouse();
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const base = gatehouse.baseUrl;
    await page.goto(`${base}/dashboard/sign-in`);
    await shoot(page, "sign-in");
    await page.type("#email", "admin@example.com");
    await page.type("#password", "admin-password-1");
    await submit(page, "form[action='/dashboard/sign-in'] button");
    await page.goto(`${base}/dashboard/businesses/${DEMO_BUSINESS.publicId}/keys`);
    await page.type("#name", "Billing server");
    await page.click("input[name=permissions][value=sms]");
    await submit(page, "form:has(#name) button[type=submit]");
    await shoot(page, "key-created");
    const key = await page.$eval("#new-key", (element) => (element.textContent ?? "").trim());
    await fetch(`${base}/v1/notification/api/sms/send`, {
      method: "POST",
      headers: { "X-Ping-Api-Key": key, "Content-Type": "application/json" },
      body: JSON.stringify({ to_phone: "+263771234567", message: "screenshot" }),
    });
    await page.goto(`${base}/dashboard/businesses/${DEMO_BUSINESS.publicId}/keys`);
    await shoot(page, "keys");
    const rollHref = await page.$eval("a[href$='/roll']", (link) => link.getAttribute("href"));
    await page.goto(`${base}${rollHref}`);
    await shoot(page, "confirm-roll");
    await signInDemoTenantUsers(base);
    for (const [name, path] of [
      ["businesses", "/dashboard/businesses"],
      ["sessions", "/dashboard/sessions"],
      ["admin-businesses", "/dashboard/admin/businesses"],
      ["admin-users", "/dashboard/admin/users"],
      ["admin-tenant", `/dashboard/admin/tenants/${DEMO_BUSINESS.publicId}`],
      ["admin-audit", "/dashboard/admin/audit"],
    ] as const) {
      await page.goto(`${base}${path}`);
      await shoot(page, name);
    }
    console.log(`Screenshots written to ${OUT}/.`);
  } finally {
    await browser.close();
    await gatehouse.stop();
  }
}

await main();
