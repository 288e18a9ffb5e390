import type { CredentialKind } from "../domain";
import { unavailableErrorExample, unavailableResponse } from "../http/openapi-errors";
import type { GatewayRoute, RouteTable } from "./route-table";

/**
 * `/openapi.json` is the generated document of Gatehouse's own routes, completed with what only
 * the running deployment knows: the server it answers on and the gateway routes its table
 * configures (data, not code, so the generator never sees them).
 */

type Json = Record<string, unknown>;
type SecurityRequirement = Record<string, string[]>;

/** Extension marking an operation that Gatehouse forwards to an origin rather than answers. */
export const GATEWAY_ROUTE_EXTENSION = "x-gatehouse-gateway-route";

const SECURITY_OF: Record<CredentialKind, SecurityRequirement> = {
  bearer: { bearer: [], userType: [] },
  api_key: { apiKey: [] },
  session: { sessionCookie: [] },
  pers: { persBearer: [] },
};

const GATEWAY_ERRORS = {
  400: "Malformed request",
  401: "Missing, invalid, expired or revoked credential",
  403: "The credential may not use this route (permission, user type, mode, origin or tenant)",
  404: "No route",
  405: "The route does not take this method",
  429: "Too many requests with this credential",
  502: "The origin could not be reached",
  504: "The origin did not answer in time",
};

const GATEWAY_ERROR_CONTENT = { "application/json": { schema: { $ref: "#/components/schemas/GatewayError" } } };

/** `/v1/files/:id/*` → `/v1/files/{id}/{path}`, with the parameters it declares. */
function openApiPath(route: GatewayRoute): { path: string; parameters: Json[] } {
  const parameters: Json[] = [];
  const segments = route.pattern.segments.map((segment) => {
    if (segment.kind === "literal") return segment.value;
    const name = segment.kind === "param" ? segment.name : "path";
    const description = segment.kind === "param" ? "One path segment" : "The rest of the path (any number of segments)";
    parameters.push({ name, in: "path", required: true, schema: { type: "string" }, description });
    return `{${name}}`;
  });
  return { path: `/${segments.join("/")}`, parameters };
}

function describeRequirements(route: GatewayRoute): string {
  const policy = route.credentialPolicy;
  if (!policy) return "Public: no credential is needed, and any sent is ignored.";
  const userTypes = [...(policy.userTypes ?? [])];
  const permissions = policy.apiKey?.permissions ?? [];
  const lines = [`Accepts: ${policy.accept.join(", ")}.`];
  if (userTypes.length > 0) lines.push(`User types: ${userTypes.join(", ")}.`);
  if (permissions.length > 0) lines.push(`API-key permissions: ${permissions.join(", ")}.`);
  if (policy.apiKey?.liveOnly) lines.push("Live keys only.");
  if (policy.apiKey?.kinds) lines.push(`Keys: ${policy.apiKey.kinds.join(", ")} only.`);
  return lines.join(" ");
}

function gatewayOperation(route: GatewayRoute, parameters: Json[]): Json {
  const policy = route.credentialPolicy;
  const responses: Json = { 200: { description: "The origin's answer, passed through as it is" } };
  for (const [status, description] of Object.entries(GATEWAY_ERRORS)) {
    if (!policy && (status === "401" || status === "403")) continue;
    responses[status] = { description, content: GATEWAY_ERROR_CONTENT };
  }
  // Checking a credential is what can need D1 or KV (a cold API key, a session's liveness); a
  // public route reads nothing before it forwards, so it never answers 503.
  if (policy) {
    responses[503] = {
      ...unavailableResponse,
      content: {
        "application/json": { ...GATEWAY_ERROR_CONTENT["application/json"], example: unavailableErrorExample },
      },
    };
  }
  return {
    tags: ["Gateway routes"],
    summary: route.description ?? `Gateway route ${route.name}`,
    description:
      `Configured in the gateway route table as \`${route.name}\` (path \`${route.pattern.source}\`): ` +
      `authenticated at the edge, then forwarded to its origin with verified identity headers and a signed ` +
      `assertion. ${describeRequirements(route)}`,
    operationId: `gateway.${route.name}`,
    parameters,
    security: policy ? policy.accept.map((kind) => SECURITY_OF[kind]) : [],
    responses,
    [GATEWAY_ROUTE_EXTENSION]: route.name,
  };
}

/** The table's routes as OpenAPI path items, one operation per method. */
export function gatewayPathItems(table: RouteTable): Record<string, Json> {
  const items: Record<string, Json> = {};
  for (const route of table.routes) {
    const { path, parameters } = openApiPath(route);
    const item = items[path] ?? {};
    items[path] = item;
    for (const method of route.methods) item[method.toLowerCase()] = gatewayOperation(route, parameters);
  }
  return items;
}

/** Every Ping bearer requirement also needs the `User-Type` the token was issued for. */
function withUserType(requirement: SecurityRequirement): SecurityRequirement {
  return "bearer" in requirement && !("userType" in requirement) ? { ...requirement, userType: [] } : requirement;
}

function pairBearerWithUserType(paths: Record<string, Json>): Record<string, Json> {
  const result: Record<string, Json> = {};
  for (const [path, item] of Object.entries(paths)) {
    const next: Json = {};
    for (const [method, operation] of Object.entries(item)) {
      const security = (operation as { security?: SecurityRequirement[] }).security;
      next[method] = security ? { ...(operation as Json), security: security.map(withUserType) } : operation;
    }
    result[path] = next;
  }
  return result;
}

/** The generated document, served from `serverUrl`, with the gateway's routes added after Gatehouse's own. */
export function completeDocument<Document extends { paths?: unknown }>(
  generated: Document,
  serverUrl: string,
  table: RouteTable,
): Document {
  const own = pairBearerWithUserType((generated.paths ?? {}) as Record<string, Json>);
  return {
    ...generated,
    servers: [{ url: serverUrl, description: "This Gatehouse" }],
    paths: { ...own, ...gatewayPathItems(table) },
  };
}
