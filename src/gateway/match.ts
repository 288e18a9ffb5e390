import { AppError } from "../errors";
import type { GatewayRoute, RouteTable } from "./route-table";

/**
 * The route for a request. The table never holds two routes that could answer the same method
 * and path, so the first match is the only one. A path some route knows under other methods is a
 * 405 listing them; an unknown path is a 404.
 */
export function matchRoute(table: RouteTable, method: string, pathname: string): GatewayRoute {
  let allowed: Set<string> | undefined;
  for (const route of table.routes) {
    if (!route.pattern.regex.test(pathname)) continue;
    if (route.methods.has(method)) return route;
    allowed ??= new Set();
    for (const m of route.methods) allowed.add(m);
  }
  if (allowed) {
    throw new AppError("method_not_allowed", { detail: `${method} ${pathname}`, allow: [...allowed] });
  }
  throw new AppError("not_found", { detail: `no gateway route for ${pathname}` });
}
