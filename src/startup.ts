import type { Bindings } from "./env";
import { readConfig } from "./env";
import { configuredRouteTable } from "./gateway/configured-table";

/**
 * Everything that can be checked before the first request: every variable in range, and the
 * route table valid with the service bindings it names. Run when the Worker's module is loaded,
 * so a bad value stops `wrangler dev` and fails `wrangler deploy` with a message naming the entry,
 * instead of failing the first request. `npm run check:config` runs the same check offline.
 */
export function checkConfiguration(env: Bindings): void {
  configuredRouteTable(readConfig(env), env as unknown as Readonly<Record<string, unknown>>);
}
