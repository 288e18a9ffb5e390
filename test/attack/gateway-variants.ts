import type { Fixtures } from "./fixtures";
import { tamperSignature } from "./forge";
import { apiKeyVariants, bearerVariants, cookieVariants, SPOOFED_IDENTITY, type Variant } from "./variants";

/**
 * Bad requests to gateway routes (test/support/gateway-routes.json): each credential's variants,
 * plus identity headers a client claims for itself next to a credential that does not hold up.
 * None of them may reach the origin; all of them get the gateway's JSON 4xx.
 */

/** `/v1/get/*`: bearer tokens of users. */
export async function gatewayBearerVariants(f: Fixtures): Promise<Variant[]> {
  return [
    ...(await bearerVariants(f)),
    {
      name: "spoofed identity headers next to a tampered token",
      headers: {
        ...SPOOFED_IDENTITY,
        Authorization: `Bearer ${tamperSignature(f.user.accessToken)}`,
        "User-Type": "user",
      },
      status: 401,
    },
    { name: "an API key instead of a token", headers: { "X-Ping-Api-Key": f.apiKey }, status: 401 },
    {
      name: "a valid admin token on a user-only route",
      headers: { ...f.admin.headers, "X-Auth-User-Type": "user" },
      status: 403,
    },
  ];
}

/** `/v1/notification/api/sms/*`: API keys holding `sms`. */
export async function gatewayApiKeyVariants(f: Fixtures): Promise<Variant[]> {
  return [
    ...(await apiKeyVariants(f)),
    {
      name: "spoofed identity headers next to a revoked key",
      headers: { ...SPOOFED_IDENTITY, "X-Ping-Api-Key": f.revokedApiKey },
      status: 401,
    },
    { name: "a key without the sms permission", headers: { "X-Ping-Api-Key": f.emailOnlyApiKey }, status: 403 },
    {
      name: "a key without the sms permission claiming it in X-Auth-Permissions",
      headers: { ...SPOOFED_IDENTITY, "X-Ping-Api-Key": f.emailOnlyApiKey, x_auth_permissions: "sms" },
      status: 403,
    },
    { name: "a project key (no permissions)", headers: { "X-Ping-Api-Key": f.pers.tenant.projectKey }, status: 403 },
    { name: "a session cookie instead of a key", headers: { Cookie: `session_token=${f.cookie}` }, status: 401 },
  ];
}

/** `/v1/notification/api/bulk/*`: live-only, `bulk` and `sms`. */
export async function gatewayLiveOnlyVariants(f: Fixtures): Promise<Variant[]> {
  return [
    { name: "a test-mode key on a live-only route", headers: { "X-Ping-Api-Key": f.testBulkApiKey }, status: 403 },
    {
      name: "a test-mode key claiming live mode in X-Auth-Mode",
      headers: { "X-Ping-Api-Key": f.testBulkApiKey, "X-Auth-Mode": "live", "X-AUTH-MODE": "live" },
      status: 403,
    },
    { name: "a revoked key", headers: { "X-Ping-Api-Key": f.revokedApiKey }, status: 401 },
    { name: "spoofed identity headers, no key", headers: SPOOFED_IDENTITY, status: 401 },
  ];
}

/** `/app/*`: PingPage session cookies. */
export function gatewayCookieVariants(f: Fixtures): Variant[] {
  const [userId, sessionId] = f.cookie.split(".");
  return [
    ...cookieVariants(f),
    {
      name: "spoofed identity headers next to a forged cookie",
      headers: { ...SPOOFED_IDENTITY, Cookie: `session_token=${userId}.${sessionId}.${"B".repeat(43)}` },
      status: 401,
    },
    { name: "an API key instead of the cookie", headers: { "X-Ping-Api-Key": f.apiKey }, status: 401 },
  ];
}
