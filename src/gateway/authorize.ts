import { AppError } from "../errors";
import type { Principal } from "../services/principal";
import type { GatewayRoute, UpstreamTarget } from "./route-table";

/**
 * What the principal may do on this route: a user must be of an allowed type; an API key must
 * hold every permission the route requires, and be live where the route is live-only. Each
 * refusal is a 403 (RFC 6750 §3.1 `insufficient_scope`) with a machine-readable reason.
 */
export function authorizeForRoute(route: GatewayRoute, principal: Principal): void {
  if (principal.method !== "api_key") {
    if (!route.userTypes.has(principal.userType)) {
      throw new AppError("insufficient_permission", {
        challenge: principal.method === "jwt" ? "bearer" : "session",
        reason: "user_type_not_allowed",
        detail: `${principal.userType} on route ${route.name}`,
      });
    }
    return;
  }
  const granted: readonly string[] = principal.permissions;
  const missing = route.permissions.filter((permission) => !granted.includes(permission));
  if (missing.length > 0) {
    throw new AppError("insufficient_permission", {
      challenge: "api_key",
      reason: "missing_permission",
      detail: `key ${principal.keyId} lacks ${missing.join(", ")} on route ${route.name}`,
    });
  }
  if (principal.mode === "test" && route.liveOnly) {
    throw new AppError("insufficient_permission", {
      challenge: "api_key",
      reason: "test_key_not_allowed",
      detail: `test key ${principal.keyId} on live-only route ${route.name}`,
    });
  }
}

/** Test-mode keys never reach a live side effect: they go to the sandbox when the route has one. */
export function targetFor(route: GatewayRoute, principal: Principal | null): UpstreamTarget {
  if (principal?.method === "api_key" && principal.mode === "test" && route.sandbox) return route.sandbox;
  return route.target;
}
