import { clientInfo } from "../http/client-info";
import { persError, persUnavailable } from "../http/openapi-errors";
import { createSurface } from "../http/router";
import {
  persRefreshRequestSchema,
  persTokenPairSchema,
  persVerifyRequestSchema,
  persVerifyResponseSchema,
  tokenExchangeRequestSchema,
} from "../http/schemas/pers";
import { jsonBody } from "../middleware/json-body";
import { projectKey } from "../middleware/project-key";
import { rateLimit } from "../middleware/rate-limit";
import { exchangeToken } from "../services/token-exchange/exchange";
import { refreshPersSession } from "../services/token-exchange/pers-sessions";
import { verifyAnyPersToken } from "../services/token-exchange/verify";

const { router, route } = createSurface("pers");

const security: Array<Record<string, string[]>> = [{ projectKey: [] }, { projectKeyAlt: [] }];

const tokenRoute = route({
  method: "post",
  path: "/v2/auth/token",
  tags: ["PERS token exchange"],
  summary: "Exchange an identity provider's token for PERS tokens",
  description:
    "The project key names the tenant. `authToken` must be a JWT from one of the tenant's identity providers " +
    "(chosen by its `iss`). With `rawLoginData` and the tenant setting `allowJWTForUnauthenticatedUsers`, an " +
    "anonymous user and session are created instead.",
  security,
  middleware: [rateLimit("token_exchange_ip"), projectKey, jsonBody] as const,
  request: {
    body: { required: true, content: { "application/json": { schema: tokenExchangeRequestSchema } } },
  },
  responses: {
    200: { description: "A PERS session", content: { "application/json": { schema: persTokenPairSchema } } },
    400: persError("Malformed request, unknown authType, rawLoginData too large or deep"),
    401: persError("Missing, unknown or conflicting project key; identity token invalid"),
    403: persError(
      "authType not enabled, not an admin of the tenant, anonymous users not allowed, the tenant user disabled " +
        "by an operator (`user_disabled`), or an `Origin` the tenant does not allow (`origin_not_allowed`)",
    ),
    409: persError(
      "The tenant's identity providers or settings changed while the exchange ran (`authorization_changed`); " +
        "a retry meets the new ones",
    ),
    415: persError("Not JSON"),
    429: persError("Too many token exchanges from this client; see `Retry-After`"),
    503: persUnavailable,
  },
});

const refreshRoute = route({
  method: "post",
  path: "/v2/auth/refresh",
  tags: ["PERS token exchange"],
  summary: "Rotate a PERS refresh token",
  description:
    "Answers with a new access token and a new refresh token; the presented one stops working. Presenting an " +
    "already rotated refresh token again revokes the whole session (except within a few seconds of its " +
    "rotation, which answers with the same new token, for concurrent refreshes).",
  security,
  middleware: [rateLimit("refresh_ip"), projectKey, jsonBody] as const,
  request: {
    body: { required: true, content: { "application/json": { schema: persRefreshRequestSchema } } },
  },
  responses: {
    200: { description: "A rotated token pair", content: { "application/json": { schema: persTokenPairSchema } } },
    400: persError("Malformed request"),
    401: persError("Project key or refresh token invalid, expired, reused or revoked"),
    403: persError(
      "The tenant user disabled by an operator (`user_disabled`; the session is ended), or an `Origin` the " +
        "tenant does not allow (`origin_not_allowed`; nothing is rotated)",
    ),
    415: persError("Not JSON"),
    429: persError("Too many refreshes from this client or of this session; see `Retry-After`"),
    503: persUnavailable,
  },
});

const verifyRoute = route({
  method: "post",
  path: "/v2/auth/verify",
  tags: ["PERS token exchange"],
  summary: "Check a PERS access or refresh token",
  description:
    "Always 200 once the project key is valid and the body is a JSON object: `valid` says whether the token is " +
    "good (however malformed or large the `authToken`), `errorMessage` and `reason` why not. Every field has " +
    "the PERS document's type: `errorMessage` is a string, empty when the token is valid.",
  security,
  middleware: [projectKey, jsonBody] as const,
  request: {
    body: { required: true, content: { "application/json": { schema: persVerifyRequestSchema } } },
  },
  responses: {
    200: { description: "The verdict", content: { "application/json": { schema: persVerifyResponseSchema } } },
    400: persError("Malformed request"),
    401: persError("Missing, unknown or conflicting project key"),
    403: persError("An `Origin` the tenant does not allow (`origin_not_allowed`)"),
    415: persError("Not JSON"),
    503: persUnavailable,
  },
});

export const persAuthRoutes = router
  .openapi(tokenRoute, async (c) => {
    const body = c.req.valid("json");
    const pair = await exchangeToken(c.get("deps"), c.get("tenant"), { ...body, client: clientInfo(c.req) });
    return c.json(pair, 200);
  })
  .openapi(refreshRoute, async (c) => {
    const { refreshToken } = c.req.valid("json");
    const pair = await refreshPersSession(c.get("deps"), c.get("tenant"), refreshToken, clientInfo(c.req));
    return c.json(pair, 200);
  })
  .openapi(verifyRoute, async (c) => {
    const { authToken } = c.req.valid("json");
    const outcome = await verifyAnyPersToken(c.get("deps"), c.get("tenant"), authToken);
    if (outcome.valid) {
      return c.json(
        { valid: true as const, payload: { ...outcome.payload }, errorMessage: "", tokenType: outcome.tokenType },
        200,
      );
    }
    return c.json(
      { valid: false as const, payload: null, errorMessage: outcome.errorMessage, reason: outcome.reason },
      200,
    );
  });
