import { createServer, type Server } from "node:http";
import type { Browser, Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, type LocalGatehouse, startLocalGatehouse } from "../../scripts/lib/local-gatehouse.ts";
import { launchChromium } from "./support.ts";

/**
 * A PingPage client on another site, as its document tells it to call the API (`credentials:
 * 'include'`), in Debian's Chromium. The gateway listens on 127.0.0.1 and the pages on localhost:
 * two sites as far as the browser is concerned. One page's origin is configured, the other's not.
 */

let gatehouse: LocalGatehouse;
let browser: Browser;
const pages: Server[] = [];
let allowedUrl: string;
let otherUrl: string;

async function servePage(): Promise<string> {
  const port = await freePort();
  const server = createServer((_req, res) => {
    res.setHeader("Content-Type", "text/html");
    res.end("<!doctype html><title>app</title>");
  });
  await new Promise<void>((resolve) => server.listen(port, "localhost", resolve));
  pages.push(server);
  return `http://localhost:${port}`;
}

beforeAll(async () => {
  allowedUrl = await servePage();
  otherUrl = await servePage();
  gatehouse = await startLocalGatehouse({ vars: { CORS_ALLOWED_ORIGINS: allowedUrl } });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await gatehouse?.stop();
  await Promise.all(pages.map((server) => new Promise((resolve) => server.close(resolve))));
});

interface Answer {
  status: number;
  body: string;
}

/** `fetch(gateway + path, {credentials: "include"})` from the page: what its script gets, or the error. */
function call(page: Page, path: string, init: { method?: string; json?: unknown } = {}): Promise<Answer | string> {
  return page.evaluate(
    async (url, method, json) => {
      try {
        const res = await fetch(url, {
          method,
          credentials: "include",
          ...(json === undefined
            ? {}
            : { headers: { "Content-Type": "application/json" }, body: JSON.stringify(json) }),
        });
        return { status: res.status, body: await res.text() };
      } catch (error) {
        return String(error);
      }
    },
    `${gatehouse.baseUrl}${path}`,
    init.method ?? "GET",
    init.json,
  );
}

async function pageAt(url: string): Promise<Page> {
  const page = await (await browser.createBrowserContext()).newPage();
  await page.goto(url);
  return page;
}

describe("a page on another site, at a configured origin", () => {
  const email = `cross-site-${Date.now()}@example.com`;
  let page: Page;

  beforeAll(async () => {
    page = await pageAt(allowedUrl);
  });

  it("registers, and the session cookie comes back on its next call", async () => {
    const registered = await call(page, "/v1/auth/register", {
      method: "POST",
      json: { email, password: "secure_password", name: "Jane Doe" },
    });
    expect(registered).toMatchObject({ status: 201 });
    const me = await call(page, "/v1/me");
    expect(me).toMatchObject({ status: 200 });
    expect(JSON.parse((me as Answer).body)).toMatchObject({ email, name: "Jane Doe" });
  });

  it("logs out, and is then a stranger", async () => {
    expect(await call(page, "/v1/auth/logout", { method: "POST" })).toMatchObject({ status: 204 });
    expect(await call(page, "/v1/me")).toEqual({ status: 401, body: "Authentication is required." });
  });

  it("logs in again with the same account", async () => {
    const login = await call(page, "/v1/auth/login", { method: "POST", json: { email, password: "secure_password" } });
    expect(login).toMatchObject({ status: 200 });
    expect(await call(page, "/v1/me")).toMatchObject({ status: 200 });
  });

  it("keeps the cookie out of the page's script", async () => {
    expect(await page.evaluate(() => document.cookie)).toBe("");
  });
});

describe("a page on another site, at an origin not configured", () => {
  it("cannot read an answer, and its login starts no session", async () => {
    const page = await pageAt(otherUrl);
    const login = await call(page, "/v1/auth/login", {
      method: "POST",
      json: { email: "ursula@example.com", password: "user-password-1" },
    });
    expect(login).toMatch(/TypeError/);
    const cookies = await page.browserContext().cookies();
    expect(cookies.filter((cookie) => cookie.name === "session_token")).toEqual([]);
  });
});
