import { clientInfo } from "../http/client-info";
import { pingError, pingUnavailable } from "../http/openapi-errors";
import { createSurface } from "../http/router";
import { refreshRequestSchema, refreshResponseSchema, sessionInfoSchema } from "../http/schemas/ping";
import { authenticate } from "../middleware/authenticate";
import { jsonBody } from "../middleware/json-body";
import { rateLimit } from "../middleware/rate-limit";
import { refreshAccessToken } from "../services/sessions/token-sessions";

const { router, route } = createSurface("ping");

const refreshRoute = route({
  method: "post",
  path: "/v1/auth/refresh",
  tags: ["Ping token login"],
  summary: "Exchange a refresh token for a new access token",
  middleware: [rateLimit("refresh_ip"), jsonBody] as const,
  request: { body: { required: true, content: { "application/json": { schema: refreshRequestSchema } } } },
  responses: {
    200: { description: "A new access token", content: { "application/json": { schema: refreshResponseSchema } } },
    400: pingError("Malformed request"),
    401: pingError("Refresh token invalid, expired, of another user type, or its session has ended"),
    415: pingError("Not JSON"),
    429: pingError("Too many refreshes from this client or of this session; see `Retry-After`"),
    503: pingUnavailable,
  },
});

const sessionRoute = route({
  method: "get",
  path: "/v1/auth/session",
  tags: ["Ping token login"],
  summary: "The session behind the presented access token",
  security: [{ bearer: [] }],
  middleware: [authenticate({ accept: ["bearer"] })] as const,
  responses: {
    200: { description: "The authenticated session", content: { "application/json": { schema: sessionInfoSchema } } },
    401: pingError("Missing, invalid, expired or revoked access token"),
    503: pingUnavailable,
  },
});

export const pingAuthRoutes = router
  .openapi(refreshRoute, async (c) => {
    const { refreshToken, userType } = c.req.valid("json");
    const accessToken = await refreshAccessToken(c.get("deps"), { refreshToken, userType, client: clientInfo(c.req) });
    return c.json({ result: "success" as const, accessToken }, 200);
  })
  .openapi(sessionRoute, (c) => {
    const principal = c.get("principal");
    return c.json(
      {
        result: "success" as const,
        session: {
          session_id: principal.sessionId,
          public_id: principal.userPublicId,
          user_type: principal.userType,
          auth_method: principal.method,
        },
      },
      200,
    );
  });
