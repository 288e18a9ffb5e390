import type { Context } from "hono";
import { configuredRouteTable } from "../gateway/configured-table";
import { completeDocument } from "../gateway/openapi-document";
import type { RouteTable } from "../gateway/route-table";
import type { AppEnv } from "../http/context";
import { headerLimits } from "../http/header-limits";
import { createRouter } from "../http/router";
import { API_DOCUMENT_ASSET, SWAGGER_UI_ASSETS } from "../static-assets";

/**
 * `/openapi.json` and `/docs`, the reference page that renders it with Swagger UI. The document
 * and the UI's files come from the Worker's static assets, written at build time
 * (`scripts/build-assets.ts`: the document generated from the routes, the UI from the
 * `swagger-ui-dist` package), never from a CDN; the page runs no inline script, so its policy
 * allows scripts from this origin only.
 */

export const API_DOCS_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Gatehouse API reference</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
<link rel="stylesheet" href="/docs/page.css">
</head>
<body>
<main id="reference"><noscript>The reference needs JavaScript; the document itself is at <a href="/openapi.json">/openapi.json</a>.</noscript></main>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
`;

// validatorUrl null: Swagger UI would otherwise send the document to validator.swagger.io.
const INIT = `window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#reference",
  deepLinking: true,
  validatorUrl: null,
  withCredentials: true,
  tryItOutEnabled: false,
});
`;

const PAGE_CSS = `body { margin: 0; }
.swagger-ui .topbar { display: none; }
`;

const BASE_DOCUMENT_PATH = `/${API_DOCUMENT_ASSET}`;

type BaseDocument = { paths?: unknown };

let baseDocument: Promise<BaseDocument> | undefined;

/** The generated document, read from the static assets once per isolate (again after a failure). */
function loadBaseDocument(c: Context<AppEnv>): Promise<BaseDocument> {
  baseDocument ??= c.env.ASSETS.fetch(new URL(BASE_DOCUMENT_PATH, c.req.url)).then(async (asset) => {
    if (!asset.ok) throw new Error(`static asset ${BASE_DOCUMENT_PATH}: ${asset.status} (was the build step run?)`);
    return (await asset.json()) as BaseDocument;
  });
  baseDocument.catch(() => {
    baseDocument = undefined;
  });
  return baseDocument;
}

const completed = new WeakMap<RouteTable, Map<string, unknown>>();

/** The document for this deployment's server URL and route table, completed once per isolate. */
async function documentFor(c: Context<AppEnv>): Promise<unknown> {
  const { config } = c.get("deps");
  const table = configuredRouteTable(config, c.env as unknown as Readonly<Record<string, unknown>>);
  const byServer = completed.get(table) ?? new Map<string, unknown>();
  completed.set(table, byServer);
  let document = byServer.get(config.issuer);
  if (document === undefined) {
    document = completeDocument(await loadBaseDocument(c), config.issuer, table);
    byServer.set(config.issuer, document);
  }
  return document;
}

function text(c: Context<AppEnv>, body: string, contentType: string, policy?: string): Response {
  c.header("Content-Type", contentType);
  c.header("Cache-Control", "public, max-age=300");
  if (policy) c.header("Content-Security-Policy", policy);
  return c.body(body, 200);
}

export function apiDocsRoutes() {
  const router = createRouter();
  // Answered in the gateway's dialect, as every path nothing else claims.
  for (const path of ["/openapi.json", "/docs", "/docs/*"]) router.use(path, headerLimits);
  router.get("/openapi.json", async (c) => c.json(await documentFor(c), 200));
  router.get("/docs", (c) => text(c, PAGE, "text/html; charset=utf-8", API_DOCS_POLICY));
  router.get("/docs/init.js", (c) => text(c, INIT, "application/javascript; charset=utf-8"));
  router.get("/docs/page.css", (c) => text(c, PAGE_CSS, "text/css; charset=utf-8"));
  router.get("/docs/assets/:file", async (c) => {
    const file = c.req.param("file");
    const contentType = SWAGGER_UI_ASSETS[file];
    if (!contentType) return c.notFound();
    const asset = await c.env.ASSETS.fetch(new URL(`/${file}`, c.req.url));
    if (!asset.ok) return c.notFound();
    return new Response(asset.body, {
      headers: { "Content-Type": contentType, "Cache-Control": "public, max-age=86400" },
    });
  });
  return router;
}
