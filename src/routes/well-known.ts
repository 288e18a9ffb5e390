import { z } from "@hono/zod-openapi";
import { createSurface } from "../http/router";

const { router, route } = createSurface("gateway");

const jwksRoute = route({
  method: "get",
  path: "/.well-known/jwks.json",
  tags: ["Keys"],
  summary: "Public keys that verify every token and assertion Gatehouse signs",
  responses: {
    200: {
      description: "JSON Web Key Set (RFC 7517)",
      content: { "application/json": { schema: z.object({ keys: z.array(z.record(z.string(), z.unknown())) }) } },
    },
  },
});

export const wellKnownRoutes = router.openapi(jwksRoute, (c) => {
  // Five minutes: a key added by rotation must be published (and cached by verifiers) before it
  // signs anything; see "Rotating signing keys" in the README.
  c.header("Cache-Control", "public, max-age=300, stale-while-revalidate=60");
  return c.json(c.get("deps").keys.publicJwks, 200);
});
