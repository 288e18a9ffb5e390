import type { Principal } from "../domain";
import type { Deps } from "../services/deps";
import { identityAssertion } from "./assertion";
import { authorizeForRoute, refuseCrossSiteSessionUse, targetFor } from "./authorize";
import { authenticateForRoute, type PresentedCredentials } from "./credentials";
import { forwardToUpstream } from "./forward";
import { buildUpstreamHeaders } from "./identity-headers";
import { matchRoute } from "./match";
import type { RouteTable } from "./route-table";

export interface GatewayRequest {
  request: Request;
  requestId: string;
  credentials: PresentedCredentials;
  table: RouteTable;
  /** The Worker's environment, where the table's service bindings live. */
  bindings: Readonly<Record<string, unknown>>;
}

export interface Forwarded {
  /** The origin's response, as the client gets it. */
  response: Response;
  /** Who the request was forwarded for; null on a public route. */
  principal: Principal | null;
}

/**
 * One request through the gateway: find its route, authenticate and authorise the caller at the
 * edge, choose the upstream (test keys go to the sandbox), and forward the request with the
 * identity the origin can trust.
 */
export async function proxyRequest(deps: Deps, input: GatewayRequest): Promise<Forwarded> {
  const { request, requestId } = input;
  const url = new URL(request.url);
  const route = matchRoute(input.table, request.method, url.pathname);
  const principal = await authenticateForRoute(deps, route, input.credentials);
  if (principal) authorizeForRoute(route, principal);
  refuseCrossSiteSessionUse(request, url, principal, deps.config.corsAllowedOrigins);
  const target = targetFor(route, principal);
  const assertion = principal ? await identityAssertion(deps, principal, target.audience) : null;
  const headers = buildUpstreamHeaders(request.headers, {
    principal,
    assertion,
    requestId,
    forwardCredentials: route.forwardCredentials,
  });
  const response = await forwardToUpstream({
    request,
    url,
    target,
    headers,
    timeoutMs: route.timeoutMs,
    requestId,
    routeName: route.name,
    bindings: input.bindings,
  });
  return { response, principal };
}
