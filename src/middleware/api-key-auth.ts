import { createMiddleware } from "hono/factory";
import type { ApiKeyPrincipal } from "../domain";
import type { AppEnv } from "../http/context";
import { type ApiKeyRequirements, authenticateApiKey, authorizeApiKey } from "../services/api-keys/verification";

export const API_KEY_HEADER = "X-Ping-Api-Key";

/** What routes behind `apiKeyAuth` know: the principal is an API key. */
export interface ApiKeyAuthEnv extends AppEnv {
  Variables: AppEnv["Variables"] & { principal: ApiKeyPrincipal };
}

/**
 * Authenticates `X-Ping-Api-Key` and checks it against the route's requirements: 401 with a
 * `reason` for a missing, malformed, unknown, revoked or expired key; 403 for a key that lacks a
 * permission, mode or kind the route requires.
 */
export function apiKeyAuth(requirements: ApiKeyRequirements = {}) {
  return createMiddleware<ApiKeyAuthEnv>(async (c, next) => {
    const principal = await authenticateApiKey(c.get("deps"), c.req.header(API_KEY_HEADER));
    authorizeApiKey(principal, requirements);
    c.set("principal", principal);
    await next();
  });
}
