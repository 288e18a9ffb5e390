import { z } from "@hono/zod-openapi";
import { actorOf } from "../http/client-info";
import { adminErrors, pingError } from "../http/openapi-errors";
import { createSurface } from "../http/router";
import { auditListResponseSchema, auditQuerySchema, toAuditEventView } from "../http/schemas/admin";
import {
  apiKeyIdSchema,
  apiKeyListResponseSchema,
  apiKeyResponseSchema,
  publicIdSchema,
  toApiKeyView,
} from "../http/schemas/api-keys";
import { nextCursorOf, pageQuerySchema, toPageRequest } from "../http/schemas/pagination";
import { adminOnly } from "../middleware/authenticate";
import { listAllApiKeys, revokeApiKey } from "../services/api-keys/management";
import { findAuditEvents } from "../services/audit/audit-log";

const { router, route } = createSurface("ping");

/** `/v1/admin`: every tenant's API keys, and the audit trail. `adminuser` tokens only. */

const listKeysRoute = route({
  method: "get",
  path: "/v1/admin/api-keys",
  tags: ["Administration"],
  summary: "List API keys of all businesses (never the keys themselves), newest first",
  security: [{ bearer: [] }],
  middleware: [adminOnly] as const,
  request: {
    query: pageQuerySchema.extend({
      business_id: publicIdSchema.optional().openapi({ param: { name: "business_id", in: "query" } }),
    }),
  },
  responses: {
    200: { description: "A page of keys", content: { "application/json": { schema: apiKeyListResponseSchema } } },
    ...adminErrors,
    404: pingError("No such business"),
  },
});

const revokeKeyRoute = route({
  method: "delete",
  path: "/v1/admin/api-keys/{id}",
  tags: ["Administration"],
  summary: "Revoke any business's API key",
  security: [{ bearer: [] }],
  middleware: [adminOnly] as const,
  request: { params: z.object({ id: apiKeyIdSchema.openapi({ param: { name: "id", in: "path" } }) }) },
  responses: {
    200: { description: "The revoked key", content: { "application/json": { schema: apiKeyResponseSchema } } },
    ...adminErrors,
    404: pingError("No such key"),
  },
});

const listAuditRoute = route({
  method: "get",
  path: "/v1/admin/audit-events",
  tags: ["Administration"],
  summary: "Audit events, newest first, filtered by action, actor and tenant",
  security: [{ bearer: [] }],
  middleware: [adminOnly] as const,
  request: { query: auditQuerySchema },
  responses: {
    200: { description: "A page of events", content: { "application/json": { schema: auditListResponseSchema } } },
    ...adminErrors,
  },
});

export const adminOversightRoutes = router
  .openapi(listKeysRoute, async (c) => {
    const query = c.req.valid("query");
    const page = await listAllApiKeys(c.get("deps"), { businessPublicId: query.business_id }, toPageRequest(query));
    return c.json(
      {
        result: "success" as const,
        api_keys: page.items.map((details) => toApiKeyView(details, c.get("deps").now)),
        next_cursor: nextCursorOf(page),
      },
      200,
    );
  })
  .openapi(revokeKeyRoute, async (c) => {
    const details = await revokeApiKey(c.get("deps"), actorOf(c), c.req.valid("param").id);
    return c.json({ result: "success" as const, api_key: toApiKeyView(details, c.get("deps").now) }, 200);
  })
  .openapi(listAuditRoute, async (c) => {
    const query = c.req.valid("query");
    const page = await findAuditEvents(
      c.get("deps"),
      { action: query.action, actorPublicId: query.actor, tenant: query.tenant },
      toPageRequest(query),
    );
    return c.json(
      { result: "success" as const, events: page.items.map(toAuditEventView), next_cursor: nextCursorOf(page) },
      200,
    );
  });
