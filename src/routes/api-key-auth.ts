import { z } from "@hono/zod-openapi";
import { API_KEY_HEADER } from "../http/credential-headers";
import { createSurface } from "../http/router";
import { authenticate } from "../middleware/authenticate";
import { limitRefusedApiKeys } from "../middleware/rate-limit";
import { apiKeyPrincipalResponseSchema, gatewayErrorSchema, toPrincipalView } from "../schemas/api-keys";

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
    401: {
      description: "No key, or a key refused with `reason`: invalid_format, not_found, revoked or expired",
      content: { "application/json": { schema: gatewayErrorSchema } },
    },
    429: {
      description: "Too many refused keys from this client; see `Retry-After`",
      content: { "application/json": { schema: gatewayErrorSchema } },
    },
  },
});

export const apiKeyAuthRoutes = router.openapi(whoAmIRoute, (c) => c.json(toPrincipalView(c.get("principal")), 200));
