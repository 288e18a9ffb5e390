import type { Page } from "puppeteer-core";

export { launchChromium } from "../../scripts/lib/chromium.ts";

/** Clicks what starts a navigation and waits for that navigation: never a fixed sleep. */
export async function clickAndWait(page: Page, selector: string): Promise<void> {
  await Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.click(selector)]);
}

export async function signIn(page: Page, baseUrl: string, email: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/dashboard/sign-in`);
  await page.type("#email", email);
  await page.type("#password", password);
  await clickAndWait(page, "form[action='/dashboard/sign-in'] button[type=submit]");
}

export const textOf = (page: Page, selector: string) =>
  page.$eval(selector, (element) => (element.textContent ?? "").trim());
