import { createMiddleware } from "hono/factory";
import type { AppEnv, Dialect } from "../env";

/** Errors on the routes below are written in `dialect`. */
export function dialect(chosen: Dialect) {
  return createMiddleware<AppEnv>(async (c, next) => {
    c.set("dialect", chosen);
    await next();
  });
}
