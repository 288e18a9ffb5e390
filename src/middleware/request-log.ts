import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import type { Principal } from "../services/principal";

function principalId(principal: Principal | undefined): string | undefined {
  if (!principal) return undefined;
  return "userPublicId" in principal ? principal.userPublicId : undefined;
}

/**
 * One JSON line per request, the shape Workers Logs and Logpush index. It names the matched
 * route pattern and the path without its query string, and never a header, body or token.
 */
export const requestLog = createMiddleware<AppEnv>(async (c, next) => {
  const started = Date.now();
  await next();
  const principal = c.get("principal");
  console.log(
    JSON.stringify({
      level: c.res.status >= 500 ? "error" : "info",
      requestId: c.get("requestId"),
      method: c.req.method,
      route: c.req.routePath,
      path: c.req.path,
      status: c.res.status,
      durationMs: Date.now() - started,
      authMethod: principal?.method,
      principalId: principalId(principal),
    }),
  );
});
