import { cors } from "hono/cors";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../http/context";
import { someTenantAllowsOrigin, tenantAllowsOrigin } from "../services/token-exchange/browser-origins";
import type { ProjectTenant } from "../services/token-exchange/project-key";
import { D1_BOOKMARK_HEADER } from "./d1-bookmark";

/**
 * Hono's CORS for an origin already known to be allowed. Credentials are allowed, so the
 * allowed origin is echoed exactly, never `*` (the Fetch standard forbids `*` with credentials,
 * and it would hand every site the user's session).
 */
const credentialedCors = cors({
  origin: (origin) => origin,
  credentials: true,
  allowMethods: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
  allowHeaders: ["Content-Type", "Authorization", "User-Type", D1_BOOKMARK_HEADER],
  exposeHeaders: ["X-Request-Id", D1_BOOKMARK_HEADER],
  maxAge: 600,
});

function isPreflight(method: string, requestMethodHeader: string | undefined): boolean {
  return method === "OPTIONS" && requestMethodHeader !== undefined;
}

/**
 * CORS with credentials for the origins in `CORS_ALLOWED_ORIGINS` only. Any other origin gets no
 * `Access-Control-*` header at all, so its browser neither sends the preflighted request nor lets
 * the page read a response; its preflight is answered 204 with nothing allowed.
 */
export const corsForAllowedOrigins = createMiddleware<AppEnv>(async (c, next) => {
  const origin = c.req.header("origin");
  if (origin !== undefined && c.get("deps").config.corsAllowedOrigins.includes(origin)) {
    return credentialedCors(c, next);
  }
  if (isPreflight(c.req.method, c.req.header("access-control-request-method"))) {
    return c.body(null, 204, { Vary: "Origin" });
  }
  await next();
  c.header("Vary", "Origin", { append: true });
});

/** What a PERS page may send: JSON, and the project key under either of its names. */
const PERS_PREFLIGHT_HEADERS = {
  "Access-Control-Allow-Methods": "POST, OPTIONS",
  "Access-Control-Allow-Headers": "Content-Type, X-API-Key, x-project-key",
  "Access-Control-Max-Age": "600",
};
/** `Retry-After` so a page can honour a 429; neither is a secret. */
const PERS_EXPOSED_HEADERS = "Retry-After, X-Request-Id";

/**
 * CORS for `/v2/*` (PERS): a tenant's project key is meant to sit in a browser app (SPEC §2.3).
 * Never with credentials: PERS uses no cookie, so nothing here lets a page act as its visitor.
 *
 * - A preflight names no tenant (it carries no project key): it is answered for an origin the
 *   global default or some tenant allows, and any other origin gets no `Access-Control-Allow-*`.
 * - The request itself names its tenant: the project-key middleware refuses (403) an `Origin`
 *   the tenant does not allow before anything runs, and the answer is readable by the page only
 *   if the tenant allows it. An answer given before the tenant is known (429, a bad project key)
 *   is readable by the pages a preflight would be answered for.
 * - A request without `Origin` (a server) gets no CORS header and is not judged.
 */
export const persCors = createMiddleware<AppEnv>(async (c, next) => {
  const origin = c.req.header("origin");
  if (origin === undefined) return next();
  const deps = c.get("deps");
  if (isPreflight(c.req.method, c.req.header("access-control-request-method"))) {
    const allowed = await someTenantAllowsOrigin(deps, origin);
    const headers = allowed ? { "Access-Control-Allow-Origin": origin, ...PERS_PREFLIGHT_HEADERS } : {};
    return c.body(null, 204, { ...headers, Vary: "Origin" });
  }
  await next();
  // Set by the project-key middleware once the key named a tenant; absent when the request stopped before.
  const tenant = c.get("tenant") as ProjectTenant | undefined;
  const allowed = tenant
    ? await tenantAllowsOrigin(deps, tenant.tenantId, origin)
    : await someTenantAllowsOrigin(deps, origin);
  if (allowed) {
    c.header("Access-Control-Allow-Origin", origin);
    c.header("Access-Control-Expose-Headers", PERS_EXPOSED_HEADERS);
  }
  c.header("Vary", "Origin", { append: true });
});
