import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../http/context";
import { resolveProjectTenant } from "../services/token-exchange/project-key";

/** PERS: the tenant named by the publishable project key (`X-API-Key` or `x-project-key`) → `c.get("tenant")`. */
export const projectKey = createMiddleware<AppEnv>(async (c, next) => {
  const tenant = await resolveProjectTenant(c.get("deps"), {
    apiKey: c.req.header("x-api-key"),
    projectKey: c.req.header("x-project-key"),
  });
  c.set("tenant", tenant);
  await next();
});
