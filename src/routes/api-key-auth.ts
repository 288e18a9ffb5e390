import { z } from "@hono/zod-openapi";
import { API_KEY_HEADER } from "../http/credential-headers";
import { gatewayError, gatewayUnavailable } from "../http/openapi-errors";
import { createSurface } from "../http/router";
import { apiKeyPrincipalResponseSchema, toPrincipalView } from "../http/schemas/api-keys";
import { authenticate } from "../middleware/authenticate";
import { limitRefusedApiKeys } from "../middleware/rate-limit";

const { router, route } = createSurface("gateway");

const whoAmIRoute = route({
  method: "get",
  path: "/v1/auth/api-key",
  tags: ["API keys"],
  summary: "The principal an API key authenticates as (to check that a key works)",
  security: [{ apiKey: [] }],
  middleware: [limitRefusedApiKeys, authenticate({ accept: ["api_key"] })] as const,
  request: { headers: z.object({ [API_KEY_HEADER]: z.string().optional() }) },
  responses: {
    200: {
      description: "The key is valid",
      content: { "application/json": { schema: apiKeyPrincipalResponseSchema } },
    },
    401: gatewayError("No key, or a key refused with `reason`: invalid_format, not_found, revoked or expired"),
    403: gatewayError("A publishable key sent with an `Origin` not on its `allowed_origins` (`origin_not_allowed`)"),
    429: gatewayError("Too many refused keys from this client; see `Retry-After`"),
    503: gatewayUnavailable,
  },
});

export const apiKeyAuthRoutes = router.openapi(whoAmIRoute, (c) => c.json(toPrincipalView(c.get("principal")), 200));
