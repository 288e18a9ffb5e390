import bundledRouteTable from "../../gateway.routes.json";
import type { Config } from "../env";
import { loadRouteTable, type RouteTable } from "./route-table";

/**
 * The route table this deployment runs: `GATEWAY_ROUTES` when set, else the bundled
 * `gateway.routes.json`, compiled once per isolate and checked against the Worker's bindings.
 */
export function configuredRouteTable(config: Config, bindings: Readonly<Record<string, unknown>>): RouteTable {
  return loadRouteTable(config.gatewayRoutes ?? bundledRouteTable, bindings);
}
