import type { Principal } from "../domain";
import { API_KEY_HEADER, DEVICE_TOKEN_HEADER } from "../http/credential-headers";
import { decodedOnce } from "../http/path-safety";
import { SESSION_COOKIE_NAME } from "../http/session-cookie";
import { hopByHopNames } from "./forward";

/**
 * Client headers an origin might read as identity: ours (`X-Auth-*`, `X-Request-Id`,
 * `X-User-Id`), Ping's `User-Type`, and those of other identity-aware proxies and platforms.
 * Names are listed folded (see `canonical`). Every one is dropped however it is spelt and repeated
 * before the gateway adds its own, and `User-Type` comes back only from a verified credential that
 * carries a user type.
 */
export const IDENTITY_HEADER_NAMES: readonly string[] = [
  "x-request-id",
  "x-user-id",
  "user-type",
  // oauth2-proxy
  "x-forwarded-user",
  "x-forwarded-email",
  "x-forwarded-groups",
  "x-forwarded-preferred-username",
  "x-forwarded-access-token",
  "x-remote-user",
  "x-email",
  "x-credential-identifier",
  "x-anonymous-consumer",
  // Other gateways' and libraries' user headers: Kong OIDC, Google API Gateway and Endpoints, Vouch.
  "x-user",
  "x-username",
  "x-user-email",
  "x-userinfo",
  "x-id-token",
  "x-access-token",
  "x-endpoint-api-userinfo",
  "x-apigateway-api-userinfo",
  // A client certificate as a TLS-terminating proxy (Envoy, nginx, Azure) passes it on.
  "x-forwarded-client-cert",
  "x-client-cert",
  "x-client-verify",
  "x-arr-clientcert",
];
/**
 * Whole families, by folded prefix: ours (`X-Auth-Request-*` of oauth2-proxy included),
 * Authelia's and Apache's `Remote-*`, Kong's `X-Consumer-*` and `X-Authenticated-*`, Cloudflare
 * Access, Google IAP, AWS ALB, Azure App Service (`X-MS-Client-Principal*`, `X-MS-Token-*`),
 * Grafana's `X-WEBAUTH-*`, client-certificate headers (`X-SSL-Client-*`, `SSL-Client-*`),
 * Pomerium, Tailscale, mod_auth_openidc (`OIDC_CLAIM_*`) and Vouch.
 */
export const IDENTITY_HEADER_PREFIXES: readonly string[] = [
  "x-auth",
  "remote",
  "x-consumer",
  "x-authenticated",
  "cf-access",
  "x-goog-authenticated",
  "x-goog-iap",
  "x-amzn-oidc",
  "x-ms-client-principal",
  "x-ms-token",
  "x-webauth",
  "x-ssl-client",
  "ssl-client",
  "x-pomerium",
  "tailscale-user",
  "oidc-claim",
  "oidc-access-token",
  "x-vouch",
];
const IDENTITY_NAMES = new Set(IDENTITY_HEADER_NAMES);
const IDENTITY_PREFIX = new RegExp(`^(?:${IDENTITY_HEADER_PREFIXES.join("|")})(?:-|$)`);
const CREDENTIAL_NAMES = new Set(["authorization", API_KEY_HEADER]);
/** Gatehouse's own login credentials, which no origin ever needs, forwarded on no route. */
const GATEHOUSE_ONLY_NAMES = new Set([DEVICE_TOKEN_HEADER]);
/**
 * Where the request came from (address, host, scheme), which the edge knows and a client can only
 * claim: dropped, and the `X-Forwarded-*` ones set again by the gateway. With them go the headers
 * IIS, Symfony, Envoy and others let override the path or method an origin routes on, so one could
 * name a path or method the route table never allowed.
 */
export const FORWARDING_HEADER_NAMES: readonly string[] = [
  "forwarded",
  "x-forwarded-for",
  "x-forwarded-host",
  "x-forwarded-proto",
  "x-forwarded-port",
  "x-forwarded-prefix",
  "x-forwarded-scheme",
  "x-forwarded-ssl",
  "x-forwarded-server",
  "x-url-scheme",
  "x-real-ip",
  "true-client-ip",
  "client-ip",
  "x-client-ip",
  "x-cluster-client-ip",
  "fastly-client-ip",
  "x-forwarded",
  "forwarded-for",
  "x-original-forwarded-for",
  "x-originating-ip",
  "x-remote-ip",
  "x-remote-addr",
  "x-envoy-external-address",
  "x-appengine-user-ip",
  "cf-connecting-ipv6",
  "cf-pseudo-ipv4",
  "x-forwarded-protocol",
  "front-end-https",
  "x-original-host",
  "x-host",
  "x-original-url",
  "x-original-uri",
  "x-rewrite-url",
  "x-forwarded-uri",
  "x-forwarded-path",
  "x-envoy-original-path",
  "x-http-method-override",
  "x-http-method",
  "x-method-override",
  "x-forwarded-method",
  "x-original-method",
];
const FORWARDING_NAMES = new Set(FORWARDING_HEADER_NAMES);

const FOLDED = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/**
 * `name` folded as the most lenient origin might fold it: case ignored and every run of
 * non-alphanumerics (`_`, `.`, `-`, ...) read as one `-`, so `X_Auth.User-Id` is `x-auth-user-id`
 * (some servers fold `_` into `-`: oauth2-proxy CVE-2025-64484).
 */
export function canonical(name: string): string {
  // Nearly every name a client sends is folded already: a test costs less than a split and a join.
  if (FOLDED.test(name)) return name;
  return name
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((part) => part !== "")
    .join("-");
}

function isIdentityKey(key: string): boolean {
  return IDENTITY_NAMES.has(key) || IDENTITY_PREFIX.test(key);
}

/** Whether an origin could read a client header called `name` as identity. */
export function isIdentityHeader(name: string): boolean {
  return isIdentityKey(canonical(name));
}

/**
 * A cookie name as the most lenient origin reads it: quotes dropped, percent-escapes decoded, and
 * PHP's rules for a variable's name: `name[key]` is an entry of the array `name`, and `.`, spaces,
 * tabs and a `[` without its `]` read as `_`, so `session.token` and `session[token` are
 * `session_token` too.
 */
function foldedCookieName(name: string): string {
  const decoded = decodedOnce(name.trim().replace(/^"|"$/g, ""));
  const arrayName = /^([^[]*)\[.*\]/.exec(decoded)?.[1] ?? decoded;
  return arrayName.replace(/[.\s[]/g, "_");
}

function isSessionCookiePair(pair: string): boolean {
  return foldedCookieName(pair.split("=", 1)[0] ?? "") === SESSION_COOKIE_NAME;
}

/**
 * The `Cookie` header without the session cookie, or null when nothing else is left. Cookie
 * pairs are separated by `;`, which a cookie value can never contain (RFC 6265 §4.1.1); a client
 * that sends several `Cookie` fields has them joined with `, `, so a pair may also follow a `,`
 * (which a cookie value cannot hold either, though some clients put one there). The other cookies
 * are kept byte for byte rather than parsed and re-serialised.
 */
function withoutSessionCookie(cookie: string): string | null {
  // Every spelling that folds to the name holds `session` or an escape (`session.token`, `%73ession_token`).
  if (!cookie.includes("session") && !cookie.includes("%")) return cookie;
  // The usual case for an API client: the session cookie is the only one.
  if (!/[;,]/.test(cookie) && cookie.trimStart().startsWith(`${SESSION_COOKIE_NAME}=`)) return null;
  const kept = cookie
    .split(";")
    .map((pair) =>
      pair
        .split(",")
        .filter((part) => !isSessionCookiePair(part))
        .join(",")
        .trim(),
    )
    .filter((pair) => pair !== "");
  return kept.length > 0 ? kept.join("; ") : null;
}

export interface UpstreamIdentity {
  principal: Principal | null;
  assertion: string | null;
  requestId: string;
  forwardCredentials: boolean;
  /** The client as the edge saw it: its address (`CF-Connecting-IP`, when known) and the public URL. */
  client: { ip: string | undefined; url: URL };
}

function addIdentity(headers: Headers, principal: Principal): void {
  headers.set("X-Auth-Method", principal.method);
  switch (principal.method) {
    case "api_key":
      headers.set("X-Auth-Tenant-Id", principal.tenantId);
      headers.set("X-Auth-Key-Id", principal.keyId);
      headers.set("X-Auth-Permissions", principal.permissions.join(","));
      headers.set("X-Auth-Mode", principal.mode);
      return;
    case "pers":
      // A tenant user is not a Gatehouse user, so it never travels as `X-Auth-User-Id`.
      headers.set("X-Auth-Tenant-Id", principal.tenantId);
      headers.set("X-Auth-Tenant-User-Id", principal.tenantUserId);
      headers.set("X-Auth-Auth-Type", principal.authType);
      headers.set("X-Auth-Session-Id", principal.familyId);
      headers.set("X-Auth-Anonymous", String(principal.anonymous));
      headers.set("X-Auth-Mode", principal.mode);
      return;
    case "jwt":
    case "session":
      headers.set("X-Auth-User-Id", principal.userPublicId);
      headers.set("X-Auth-User-Type", principal.userType);
      headers.set("User-Type", principal.userType);
      headers.set("X-Auth-Session-Id", principal.sessionId);
      return;
  }
}

function addForwarding(headers: Headers, client: UpstreamIdentity["client"]): void {
  if (client.ip) {
    headers.set("X-Forwarded-For", client.ip);
    headers.set("X-Real-IP", client.ip);
  }
  headers.set("X-Forwarded-Host", client.url.host);
  headers.set("X-Forwarded-Proto", client.url.protocol.slice(0, -1));
}

/**
 * The headers the origin receives: the client's, minus hop-by-hop headers, `Host`, anything in
 * the identity namespace, forwarding and path-override headers, and (unless the route opts in)
 * the credential itself; plus the gateway's `X-Request-Id` and `X-Forwarded-*`, and for an
 * authenticated request the `X-Auth-*` identity and its signed assertion.
 */
export function buildUpstreamHeaders(client: Headers, identity: UpstreamIdentity): Headers {
  const hopByHop = hopByHopNames(client);
  const headers = new Headers();
  for (const [name, value] of client) {
    if (hopByHop.has(name) || name === "host") continue;
    const key = canonical(name);
    if (isIdentityKey(key) || GATEHOUSE_ONLY_NAMES.has(key) || FORWARDING_NAMES.has(key)) continue;
    if (!identity.forwardCredentials) {
      if (CREDENTIAL_NAMES.has(key)) continue;
      if (name === "cookie") {
        const kept = withoutSessionCookie(value);
        if (kept !== null) headers.append(name, kept);
        continue;
      }
    }
    headers.append(name, value);
  }
  headers.set("X-Request-Id", identity.requestId);
  addForwarding(headers, identity.client);
  if (identity.principal) addIdentity(headers, identity.principal);
  if (identity.assertion) headers.set("X-Auth-Assertion", identity.assertion);
  return headers;
}
