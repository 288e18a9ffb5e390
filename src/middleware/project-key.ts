import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../http/context";
import { refuseForeignOrigin } from "../services/token-exchange/browser-origins";
import { resolveProjectTenant } from "../services/token-exchange/project-key";

/**
 * PERS: the tenant named by the publishable project key (`X-API-Key` or `x-project-key`) →
 * `c.get("tenant")`; then a page on an origin the tenant does not allow is refused (403) before
 * the route does anything (`persCors` decides what the page may read).
 */
export const projectKey = createMiddleware<AppEnv>(async (c, next) => {
  const deps = c.get("deps");
  const tenant = await resolveProjectTenant(deps, {
    apiKey: c.req.header("x-api-key"),
    projectKey: c.req.header("x-project-key"),
  });
  c.set("tenant", tenant);
  await refuseForeignOrigin(deps, tenant, c.req.header("origin"));
  await next();
});
