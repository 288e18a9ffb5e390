import type { Principal } from "../domain";
import { AppError } from "../errors";
import { changesState, judgeCrossSiteRequest } from "../middleware/csrf";
import type { GatewayRoute, UpstreamTarget } from "./route-table";

/**
 * What the principal may do on this route: a user must be of an allowed type; an API key must be
 * a secret key, hold every permission the route requires, and be live where the route is live-only. Each
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
  // A publishable key is public by design (it ships in browsers and apps to name a tenant), so it
  // never authenticates a server-to-server call, whatever the route requires.
  if (principal.kind === "publishable") {
    throw new AppError("insufficient_permission", {
      challenge: "api_key",
      reason: "kind_not_allowed",
      detail: `publishable key ${principal.keyId} on route ${route.name}`,
    });
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

/**
 * A browser attaches the session cookie whichever site started the request, so a request the
 * gateway authenticated by cookie may change state only if the browser says it came from our own
 * origin or an allowed dashboard — the same rule as Gatehouse's own cookie endpoints. Bearer
 * tokens and API keys are never sent by a browser on its own, so they need no such check.
 */
export function refuseCrossSiteSessionUse(
  request: Request,
  url: URL,
  principal: Principal | null,
  allowedOrigins: readonly string[],
): void {
  // Reads (GET, HEAD, OPTIONS) are always allowed: no header needs reading for them.
  if (principal?.method !== "session" || !changesState(request.method)) return;
  const verdict = judgeCrossSiteRequest({
    method: request.method,
    secFetchSite: request.headers.get("sec-fetch-site") ?? undefined,
    origin: request.headers.get("origin") ?? undefined,
    ownOrigin: url.origin,
    allowedOrigins,
  });
  if (!verdict.allowed) throw new AppError("cross_site_request", { detail: verdict.reason });
}
