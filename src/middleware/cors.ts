import { cors } from "hono/cors";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../http/context";

/**
 * Hono's CORS for an origin already known to be allowed. Credentials are allowed, so the
 * allowed origin is echoed exactly, never `*` (the Fetch standard forbids `*` with credentials,
 * and it would hand every site the user's session).
 */
const credentialedCors = cors({
  origin: (origin) => origin,
  credentials: true,
  allowMethods: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
  allowHeaders: ["Content-Type", "Authorization", "User-Type"],
  exposeHeaders: ["X-Request-Id"],
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
