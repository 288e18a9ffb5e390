import bundledRouteTable from "../../gateway.routes.json";
import { API_KEY_HEADER } from "../gateway/credentials";
import { proxyRequest } from "../gateway/proxy";
import { loadRouteTable } from "../gateway/route-table";
import { speak } from "../http/dialect";
import { createRouter } from "../http/router";
import { readSessionCookie } from "../http/session-cookie";
import { credentialHeaderLimit } from "../middleware/header-limits";
import { limitRefusedApiKeys } from "../middleware/rate-limit";

/**
 * The gateway: every request no other surface answered. Its routes are data (the route table in
 * `gateway.routes.json`, or `GATEWAY_ROUTES`), not code, which is why they are not declared with
 * `createRoute` and do not appear in `/openapi.json`.
 */
export const gatewayRoutes = createRouter();

gatewayRoutes.all("*", speak("gateway"), credentialHeaderLimit, limitRefusedApiKeys, async (c) => {
  // Service bindings are named by the route table, so they are looked up by name.
  const bindings = c.env as unknown as Readonly<Record<string, unknown>>;
  const table = loadRouteTable(c.get("deps").config.gatewayRoutes ?? bundledRouteTable, bindings);
  const { response, principal } = await proxyRequest(c.get("deps"), {
    request: c.req.raw,
    requestId: c.get("requestId"),
    table,
    bindings,
    credentials: {
      authorization: c.req.header("authorization"),
      userType: c.req.header("user-type"),
      apiKey: c.req.header(API_KEY_HEADER),
      sessionCookie: readSessionCookie(c),
    },
  });
  c.set("forwarded", true);
  if (principal) c.set("principal", principal);
  return response;
});
