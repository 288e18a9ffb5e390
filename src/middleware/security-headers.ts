import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";

/**
 * Headers for responses Gatehouse writes itself. Anything that may carry a token or identity is
 * `no-store` unless the route chose its own caching (the JWKS does). Responses forwarded from an
 * upstream origin are left exactly as the origin sent them.
 */
export const securityHeaders = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  // An origin's response through the gateway is the origin's to shape.
  if (c.var.forwarded) return;
  c.header("X-Content-Type-Options", "nosniff");
  c.header("Referrer-Policy", "no-referrer");
  c.header("X-Frame-Options", "DENY");
  if (!c.res.headers.has("Cache-Control")) c.header("Cache-Control", "no-store");
});
