import type { Principal } from "../domain";
import { AppError } from "../errors";
import { changesState, judgeCrossSiteRequest } from "../services/auth/cross-site";
import type { GatewayRoute, UpstreamTarget } from "./route-table";

/** Test keys and PERS test sessions never reach a live side effect: the sandbox, where the route has one. */
export function targetFor(route: GatewayRoute, principal: Principal | null): UpstreamTarget {
  const testMode = (principal?.method === "api_key" || principal?.method === "pers") && principal.mode === "test";
  if (testMode && route.sandbox) return route.sandbox;
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
