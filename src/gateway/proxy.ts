import type { Principal } from "../domain";
import type { Deps } from "../services/deps";
import { identityAssertion } from "./assertion";
import { refuseCrossSiteSessionUse, targetFor } from "./authorize";
import { forwardToUpstream } from "./forward";
import { buildUpstreamHeaders } from "./identity-headers";
import type { GatewayRoute } from "./route-table";

export interface GatewayRequest {
  request: Request;
  /** The request's URL, parsed once when its route was matched. */
  url: URL;
  requestId: string;
  route: GatewayRoute;
  /** Who `authenticate` found under the route's credential policy; null on a public route. */
  principal: Principal | null;
  /** The Worker's environment, where the table's service bindings live. */
  bindings: Readonly<Record<string, unknown>>;
}

/**
 * One authenticated request through the gateway: refuse a cookie-authenticated change from
 * another site, choose the upstream (test keys and PERS test sessions go to the sandbox), and
 * forward the request with the identity the origin can trust. Returns the origin's response as
 * the client gets it.
 */
export async function proxyRequest(deps: Deps, input: GatewayRequest): Promise<Response> {
  const { request, url, route, principal, requestId } = input;
  refuseCrossSiteSessionUse(request, url, principal, deps.config.corsAllowedOrigins);
  const target = targetFor(route, principal);
  const assertion = principal ? await identityAssertion(deps, principal, target.audience) : null;
  const headers = buildUpstreamHeaders(request.headers, {
    principal,
    assertion,
    requestId,
    forwardCredentials: route.forwardCredentials,
    client: { ip: request.headers.get("cf-connecting-ip") ?? undefined, url },
  });
  return forwardToUpstream({
    request,
    url,
    target,
    headers,
    timeoutMs: route.timeoutMs,
    requestId,
    routeName: route.name,
    bindings: input.bindings,
  });
}
