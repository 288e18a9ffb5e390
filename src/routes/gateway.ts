import { createMiddleware } from "hono/factory";
import type { Principal } from "../domain";
import { configuredRouteTable } from "../gateway/configured-table";
import { matchRoute } from "../gateway/match";
import { proxyRequest } from "../gateway/proxy";
import type { GatewayRoute } from "../gateway/route-table";
import type { AppEnv } from "../http/context";
import { speak } from "../http/dialect";
import { headerLimits } from "../http/header-limits";
import { createRouter } from "../http/router";
import { authenticate } from "../middleware/authenticate";
import { limitRefusedApiKeys } from "../middleware/rate-limit";

interface GatewayEnv extends AppEnv {
  Variables: AppEnv["Variables"] & { gatewayMatch: { route: GatewayRoute; url: URL } };
}

/** Service bindings are named by the route table, so they are looked up by name. */
const bindingsOf = (env: AppEnv["Bindings"]) => env as unknown as Readonly<Record<string, unknown>>;

/** The table route for this method and path (404 or 405 when there is none). */
const matchGatewayRoute = createMiddleware<GatewayEnv>(async (c, next) => {
  const table = configuredRouteTable(c.get("deps").config, bindingsOf(c.env));
  const url = new URL(c.req.url);
  c.set("gatewayMatch", { route: matchRoute(table, c.req.method, url.pathname), url });
  await next();
});

/**
 * The gateway: every request no other surface answered. Its routes are data (the route table in
 * `gateway.routes.json`, or `GATEWAY_ROUTES`), not code, which is why they are not declared with
 * `createRoute`; `/openapi.json` lists them from the table (gateway/openapi-document.ts). A
 * request is matched to its route, then
 * authenticated by the same `authenticate` as every other route, under the route's policy.
 */
export const gatewayRoutes = createRouter();

gatewayRoutes.all(
  "*",
  speak("gateway"),
  headerLimits,
  limitRefusedApiKeys,
  matchGatewayRoute,
  authenticate<GatewayEnv>((c) => c.get("gatewayMatch").route.credentialPolicy),
  async (c) => {
    const { route, url } = c.get("gatewayMatch");
    const principal: Principal | null = c.get("principal") ?? null;
    const response = await proxyRequest(c.get("deps"), {
      request: c.req.raw,
      url,
      requestId: c.get("requestId"),
      route,
      principal,
      bindings: bindingsOf(c.env),
    });
    c.set("forwarded", true);
    return response;
  },
);
