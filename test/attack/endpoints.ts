import { claimsOf } from "../support/pers";
import type { Fixtures } from "./fixtures";
import {
  gatewayApiKeyVariants,
  gatewayBearerVariants,
  gatewayCookieVariants,
  gatewayLiveOnlyVariants,
} from "./gateway-variants";
import type { Operation } from "./openapi";
import { identityTokenVariants, persRefreshVariants, persVerifyVariants, projectKeyVariants } from "./pers-variants";
import {
  adminOnlyVariants,
  apiKeyVariants,
  bearerVariants,
  bodyVariants,
  cookieVariants,
  type Dialect,
  pingRefreshVariants,
  type Variant,
} from "./variants";

/**
 * What the attack suite sends where. The secured operations come from `/openapi.json`; this file
 * holds only what the document cannot say: which fixture fills a path parameter, what a valid body
 * looks like, which routes are for admins only, and the variants a route has beyond its scheme's.
 */

type Make<T> = (f: Fixtures) => T;
type MakeVariants = Make<Promise<Variant[]> | Variant[]>;

export interface Endpoint {
  /** `METHOD path`, the path as `/openapi.json` (or the gateway's route table) writes it. */
  key: string;
  method: string;
  path: string;
  dialect: Dialect;
  /** Values of the path's `{name}` parameters. */
  params?: Make<Record<string, string>>;
  query?: Make<Record<string, string>>;
  /** Headers of a valid request (the credential), which body variants keep. */
  valid: Make<Record<string, string>>;
  /** A body of the right shape, for routes that take one. */
  body?: Make<Record<string, unknown>>;
  /** Every variant of this endpoint except the body variants, which `body` implies. */
  variants: MakeVariants;
}

/** What one secured operation needs besides what its security scheme implies. */
export interface SecuredRoute {
  params?: Make<Record<string, string>>;
  query?: Make<Record<string, string>>;
  body?: Make<Record<string, unknown>>;
  /** Admin users only: a valid user token is refused as well. */
  adminOnly?: true;
  /** Variants of this route on top of its scheme's. */
  variants?: MakeVariants;
}

const withCookie = (f: Fixtures) => ({ Cookie: `session_token=${f.cookie}` });

interface Scheme {
  dialect: Dialect;
  valid: Make<Record<string, string>>;
  variants: MakeVariants;
}

/** The security schemes of `/openapi.json`, each with its credential and its bad variants. */
export const SCHEMES: Record<string, Scheme> = {
  bearer: { dialect: "ping", valid: (f) => f.user.headers, variants: bearerVariants },
  sessionCookie: { dialect: "pingpage", valid: withCookie, variants: cookieVariants },
  apiKey: { dialect: "gateway", valid: (f) => ({ "X-Ping-Api-Key": f.apiKey }), variants: apiKeyVariants },
  projectKey: {
    dialect: "pers",
    valid: (f) => ({ "X-API-Key": f.pers.tenant.projectKey }),
    variants: projectKeyVariants,
  },
};

/** Another name of a scheme above: the same credential under a second header. */
// `userType` travels with `bearer` (the User-Type header its token was issued for).
const SCHEME_ALIASES: Record<string, string> = { projectKeyAlt: "projectKey", userType: "bearer" };

const admin = (route: SecuredRoute = {}): SecuredRoute => ({ ...route, adminOnly: true });
const tenant = (f: Fixtures) => ({ tenantId: f.pers.tenant.tenantPublicId });
const provider = (f: Fixtures) => ({ ...tenant(f), providerId: f.pers.providerId });
const providerBody = () => ({
  issuer: "https://attack.idp.example.test",
  audience: "attack",
  jwksUrl: "https://attack.idp.example.test/.well-known/jwks.json",
  allowedAlgorithms: ["ES256"],
});

/** Every secured operation of `/openapi.json`, keyed `METHOD path`. A new one fails the suite until it is here. */
export const SECURED_ROUTES: Record<string, SecuredRoute> = {
  // Ping: bearer access tokens.
  "GET /v1/auth/session": {},
  "GET /v1/api-keys": { query: (f) => ({ business_id: f.user.businessPublicId }) },
  "POST /v1/api-keys": {
    body: (f) => ({
      business_id: f.user.businessPublicId,
      name: "attack",
      kind: "secret",
      mode: "test",
      permissions: ["sms"],
    }),
  },
  "GET /v1/api-keys/{id}": { params: (f) => ({ id: f.apiKeyId }) },
  "POST /v1/api-keys/{id}/roll": { params: (f) => ({ id: f.apiKeyId }) },
  "DELETE /v1/api-keys/{id}": { params: (f) => ({ id: f.apiKeyId }) },
  "GET /v1/businesses/{business_id}/members": { params: (f) => ({ business_id: f.user.businessPublicId }) },
  "POST /v1/businesses/{business_id}/members": {
    params: (f) => ({ business_id: f.user.businessPublicId }),
    body: (f) => ({ user_id: f.bystanderPublicId, role: "owner" }),
  },
  "PATCH /v1/businesses/{business_id}/members/{user_id}": {
    params: (f) => ({ business_id: f.user.businessPublicId, user_id: f.user.publicId }),
    body: () => ({ role: "owner" }),
  },
  "DELETE /v1/businesses/{business_id}/members/{user_id}": {
    params: (f) => ({ business_id: f.user.businessPublicId, user_id: f.user.publicId }),
  },
  // Administration: adminuser tokens only.
  "GET /v1/admin/api-keys": admin(),
  "DELETE /v1/admin/api-keys/{id}": admin({ params: (f) => ({ id: f.apiKeyId }) }),
  "GET /v1/admin/audit-events": admin(),
  "GET /v1/admin/businesses": admin(),
  "POST /v1/admin/businesses": admin({ body: () => ({ name: "Attack Co" }) }),
  "PATCH /v1/admin/businesses/{id}": admin({
    params: (f) => ({ id: f.user.businessPublicId }),
    body: () => ({ status: "suspended" }),
  }),
  "GET /v1/admin/users": admin(),
  "POST /v1/admin/users": admin({ body: () => ({ email: "attack@example.com", user_type: "adminuser" }) }),
  "POST /v1/admin/users/{id}/disable": admin({ params: (f) => ({ id: f.bystanderPublicId }) }),
  "POST /v1/admin/users/{id}/enable": admin({ params: (f) => ({ id: f.bystanderPublicId }) }),
  "POST /v1/admin/users/{id}/password": admin({
    params: (f) => ({ id: f.bystanderPublicId }),
    body: () => ({ password: "attack-password-long" }),
  }),
  "GET /v1/admin/tenants/{tenantId}/settings": admin({ params: tenant }),
  "PUT /v1/admin/tenants/{tenantId}/settings": admin({
    params: tenant,
    body: () => ({
      allowJWTForUnauthenticatedUsers: true,
      enabledAuthTypes: ["business"],
      adminIdentities: [],
      allowedOrigins: null,
    }),
  }),
  "PATCH /v1/admin/tenants/{tenantId}/settings": admin({
    params: tenant,
    body: () => ({ enabledAuthTypes: ["business"] }),
  }),
  "GET /v1/admin/tenants/{tenantId}/identity-providers": admin({ params: tenant }),
  "POST /v1/admin/tenants/{tenantId}/identity-providers": admin({ params: tenant, body: providerBody }),
  "PUT /v1/admin/tenants/{tenantId}/identity-providers/{providerId}": admin({ params: provider, body: providerBody }),
  "DELETE /v1/admin/tenants/{tenantId}/identity-providers/{providerId}": admin({ params: provider }),
  "DELETE /v1/admin/tenants/{tenantId}/users/{userId}/sessions": admin({
    params: (f) => ({ ...tenant(f), userId: crypto.randomUUID() }),
  }),
  "GET /v1/admin/tenants/{tenantId}/users": admin({ params: tenant }),
  "GET /v1/admin/tenants/{tenantId}/users/{userId}": admin({
    params: (f) => ({ ...tenant(f), userId: claimsOf(f.pers.pair.accessToken).sub }),
  }),
  "POST /v1/admin/tenants/{tenantId}/users/{userId}/disable": admin({
    params: (f) => ({ ...tenant(f), userId: crypto.randomUUID() }),
  }),
  "POST /v1/admin/tenants/{tenantId}/users/{userId}/enable": admin({
    params: (f) => ({ ...tenant(f), userId: crypto.randomUUID() }),
  }),
  // PingPage: the session cookie.
  "GET /v1/me": {},
  "GET /v1/me/sessions": {},
  "DELETE /v1/me/sessions/{id}": { params: (f) => ({ id: f.user.sessionId }) },
  "DELETE /v1/me/sessions": {},
  // The session cookie or a bearer token: attacked as each.
  "POST /v1/me/password": { body: () => ({ current_password: "not-the-password", new_password: "attack-password-1" }) },
  // API keys at the edge.
  "GET /v1/auth/api-key": {},
  // PERS token exchange: the project key, then the tokens in the body.
  "POST /v2/auth/token": { body: (f) => ({ authToken: f.pers.identityToken }), variants: identityTokenVariants },
  "POST /v2/auth/refresh": { body: (f) => ({ refreshToken: f.pers.pair.refreshToken }), variants: persRefreshVariants },
  "POST /v2/auth/verify": { body: (f) => ({ authToken: f.pers.pair.accessToken }), variants: persVerifyVariants },
};

const credentials = (email: string) => ({ email, password: "correct-horse-battery" });

/**
 * Operations of `/openapi.json` without a security requirement that still take credentials or
 * input worth attacking: the credential endpoints themselves, bodies refused before any password
 * is checked.
 */
export const UNSECURED_ENDPOINTS: Endpoint[] = [
  {
    key: "POST /v1/auth/logout",
    method: "POST",
    path: "/v1/auth/logout",
    dialect: "ping",
    valid: (f) => f.user.headers,
    // Without `Authorization` this path is PingPage's idempotent cookie logout (204), not a refusal.
    // And logout names a User-Type it does not know a 400, before looking at the token.
    variants: async (f) =>
      (await bearerVariants(f))
        .filter((v) => v.headers && "Authorization" in v.headers)
        .map((v) => (v.name === "an unknown User-Type" ? { ...v, status: 400 } : v)),
  },
  {
    key: "POST /v1/auth/refresh",
    method: "POST",
    path: "/v1/auth/refresh",
    dialect: "ping",
    valid: () => ({}),
    body: (f) => ({ refreshToken: f.user.refreshToken, userType: "user" }),
    variants: pingRefreshVariants,
  },
  {
    key: "POST /v1/auth/login",
    method: "POST",
    path: "/v1/auth/login",
    dialect: "ping",
    valid: () => ({ "User-Type": "user" }),
    body: () => credentials("attack@example.com"),
    variants: () => [
      {
        name: "a password longer than any we accept",
        body: JSON.stringify({ email: "a@example.com", password: "p".repeat(2000) }),
        status: 400,
      },
      {
        name: "an oversized Authorization header",
        headers: { "User-Type": "user", Authorization: "a".repeat(9 * 1024) },
        status: 431,
      },
    ],
  },
  {
    key: "POST /v1/auth/login",
    method: "POST",
    path: "/v1/auth/login",
    dialect: "pingpage",
    valid: () => ({}),
    body: () => credentials("attack@example.com"),
    variants: () => [
      {
        name: "an email longer than any address",
        body: JSON.stringify({ email: `${"a".repeat(400)}@example.com`, password: "x" }),
        status: 400,
      },
      { name: "an oversized Cookie header", headers: { Cookie: "a".repeat(9 * 1024) }, status: 431 },
    ],
  },
  {
    key: "POST /v1/auth/register",
    method: "POST",
    path: "/v1/auth/register",
    dialect: "pingpage",
    valid: () => ({}),
    body: () => ({ email: "attack@example.com", password: "long-enough-1", name: "Attack" }),
    variants: () => [
      {
        name: "a name with control characters",
        body: JSON.stringify({ email: "attack@example.com", password: "long-enough-1", name: "a\u0000b" }),
        status: 400,
      },
      {
        name: "a password past the maximum",
        body: JSON.stringify({ email: "attack@example.com", password: "p".repeat(129), name: "A" }),
        status: 400,
      },
    ],
  },
];

/** Operations of `/openapi.json` that take no credential and no input: nothing to attack. */
export const PUBLIC_OPERATIONS = new Set(["GET /.well-known/jwks.json"]);

/** A gateway route of test/support/gateway-routes.json; a refused request never reaches its origin. */
function gatewayEndpoint(method: string, path: string, variants: MakeVariants): Endpoint {
  return { key: `${method} ${path}`, method, path, dialect: "gateway", valid: () => ({}), variants };
}

/** The gateway's routes are not OpenAPI operations: one per credential kind. */
export const GATEWAY_ENDPOINTS: Endpoint[] = [
  gatewayEndpoint("GET", "/v1/get/me", gatewayBearerVariants),
  gatewayEndpoint("POST", "/v1/notification/api/sms/send", gatewayApiKeyVariants),
  gatewayEndpoint("POST", "/v1/notification/api/bulk/send", gatewayLiveOnlyVariants),
  gatewayEndpoint("GET", "/app/home", gatewayCookieVariants),
];

/** The schemes of `schemes` the suite knows (aliases folded), or why one is not known. */
export function schemesOf(schemes: string[]): Scheme[] | { problem: string } {
  const names = [...new Set(schemes.map((name) => SCHEME_ALIASES[name] ?? name))];
  const unknown = names.filter((name) => !(name in SCHEMES));
  if (unknown.length > 0) return { problem: `unknown security scheme ${unknown.join(", ")}` };
  const known = names.flatMap((name) => SCHEMES[name] ?? []);
  if (known.length === 0) return { problem: "no security scheme" };
  return known;
}

/** Whether a variant presents exactly the valid credential of `valid` (another scheme the route accepts). */
function presents(variant: Variant, valid: Record<string, string>): boolean {
  return Object.entries(valid).every(([name, value]) => variant.headers?.[name] === value);
}

/**
 * The endpoints the suite attacks for a secured operation of the document and its table entry:
 * one per scheme it accepts, each with that scheme's variants, less those that present another
 * accepted scheme's valid credential (a good cookie is no bad token where both are accepted).
 */
export function securedEndpoints(operation: Operation, route: SecuredRoute): Endpoint[] | { problem: string } {
  const found = schemesOf(operation.schemes);
  if ("problem" in found) return found;
  return found.map((scheme) => {
    const others = found.filter((other) => other !== scheme);
    const valid: Make<Record<string, string>> = route.adminOnly ? (f) => f.admin.headers : scheme.valid;
    const variants: MakeVariants = async (f) => [
      ...(await scheme.variants(f)).filter((variant) => !others.some((other) => presents(variant, other.valid(f)))),
      ...(route.adminOnly ? adminOnlyVariants(f) : []),
      ...(route.variants ? await route.variants(f) : []),
    ];
    return {
      key: operation.key,
      method: operation.method,
      path: operation.path,
      dialect: scheme.dialect,
      params: route.params,
      query: route.query,
      valid,
      body: route.body,
      variants,
    };
  });
}

/** Every variant of an endpoint: its own, then the body variants of its valid body. */
export async function variantsOf(endpoint: Endpoint, f: Fixtures): Promise<Variant[]> {
  return [...(await endpoint.variants(f)), ...(endpoint.body ? bodyVariants(endpoint.body(f)) : [])];
}

/** The request path: parameters filled in, query appended. Throws on a parameter left unfilled. */
export function urlFor(endpoint: Endpoint, f: Fixtures): string {
  const params = endpoint.params?.(f) ?? {};
  const path = endpoint.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`${endpoint.key}: no value for path parameter {${name}}`);
    return encodeURIComponent(value);
  });
  const query = new URLSearchParams(endpoint.query?.(f) ?? {}).toString();
  return query ? `${path}?${query}` : path;
}

export function requestFor(endpoint: Endpoint, f: Fixtures, variant: Variant): RequestInit {
  const headers: Record<string, string> = { ...(variant.headers ?? endpoint.valid(f)) };
  let body: string | Uint8Array | undefined;
  if (variant.body !== undefined) body = variant.body;
  else if (endpoint.body) body = JSON.stringify(endpoint.body(f));
  if (body !== undefined) headers["Content-Type"] = variant.contentType ?? "application/json";
  return { method: endpoint.method, headers, ...(body !== undefined ? { body } : {}) };
}
