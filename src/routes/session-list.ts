import { z } from "@hono/zod-openapi";
import { pingPageError, pingPageUnavailable } from "../http/openapi-errors";
import { createSurface, schemaMessageHook } from "../http/router";
import { ownSessionListSchema, ownSessionView, revokedCountSchema, sessionIdSchema } from "../http/schemas/pingpage";
import { clearSessionCookie } from "../http/session-cookie";
import { authenticate } from "../middleware/authenticate";
import { csrfProtection } from "../middleware/csrf";
import { listOwnSessions, revokeOtherSessions, revokeOwnSession } from "../services/sessions/session-list";

const { router, route } = createSurface("pingpage");

const tags = ["PingPage cookie sessions"];
const security = [{ sessionCookie: [] }];

const listRoute = route({
  method: "get",
  path: "/v1/me/sessions",
  tags,
  summary: "The caller's live sessions (cookie and token)",
  security,
  middleware: [authenticate({ accept: ["session"] })] as const,
  responses: {
    200: { description: "Newest first", content: { "application/json": { schema: ownSessionListSchema } } },
    401: pingPageError("No valid session cookie"),
    503: pingPageUnavailable,
  },
});

const revokeOneRoute = route({
  method: "delete",
  path: "/v1/me/sessions/{id}",
  tags,
  summary: "End one of the caller's sessions",
  description: "Ending the current session also clears its cookie.",
  security,
  middleware: [csrfProtection(), authenticate({ accept: ["session"] })] as const,
  request: { params: z.object({ id: sessionIdSchema }) },
  responses: {
    204: { description: "Session ended" },
    400: pingPageError("Not a session id"),
    401: pingPageError("No valid session cookie"),
    403: pingPageError("Cross-site request refused"),
    404: pingPageError("No such session among the caller's"),
    503: pingPageUnavailable,
  },
});

const revokeOthersRoute = route({
  method: "delete",
  path: "/v1/me/sessions",
  tags,
  summary: "End every session of the caller except the current one",
  security,
  middleware: [csrfProtection(), authenticate({ accept: ["session"] })] as const,
  responses: {
    200: { description: "How many sessions ended", content: { "application/json": { schema: revokedCountSchema } } },
    401: pingPageError("No valid session cookie"),
    403: pingPageError("Cross-site request refused"),
    503: pingPageUnavailable,
  },
});

export const ownSessionRoutes = router
  .openapi(listRoute, async (c) => {
    const principal = c.get("principal");
    const sessions = await listOwnSessions(c.get("deps"), principal);
    return c.json({ sessions: sessions.map((record) => ownSessionView(record, principal.sessionId)) }, 200);
  })
  .openapi(
    revokeOneRoute,
    async (c) => {
      const { id } = c.req.valid("param");
      await revokeOwnSession(c.get("deps"), c.get("principal"), id);
      if (id === c.get("principal").sessionId) clearSessionCookie(c);
      return c.body(null, 204);
    },
    schemaMessageHook,
  )
  .openapi(revokeOthersRoute, async (c) => {
    const revoked = await revokeOtherSessions(c.get("deps"), c.get("principal"));
    return c.json({ revoked }, 200);
  });
