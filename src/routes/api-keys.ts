import { z } from "@hono/zod-openapi";
import { actorOf } from "../http/client-info";
import { pingError, pingUnavailable } from "../http/openapi-errors";
import { createSurface } from "../http/router";
import {
  apiKeyIdSchema,
  apiKeyListResponseSchema,
  apiKeyResponseSchema,
  createApiKeyRequestSchema,
  issuedApiKeyResponseSchema,
  publicIdSchema,
  rolledApiKeyResponseSchema,
  toApiKeyView,
} from "../http/schemas/api-keys";
import { nextCursorOf, pageQuerySchema, toPageRequest } from "../http/schemas/pagination";
import { authenticate } from "../middleware/authenticate";
import { jsonBody } from "../middleware/json-body";
import {
  createApiKey,
  getApiKey,
  listApiKeysOfBusiness,
  revokeApiKey,
  rollApiKey,
} from "../services/api-keys/management";

const { router, route } = createSurface("ping");

/**
 * `/v1/api-keys`: a business's members (and admins) create, list, inspect, roll and revoke its
 * keys, as far as their role allows (services/admin/member-roles.ts). Another business's keys answer 404, exactly like keys that do not exist.
 */

const commonErrors = {
  401: pingError("Missing, invalid, expired or revoked access token"),
  503: pingUnavailable,
};

const keyIdParams = z.object({ id: apiKeyIdSchema.openapi({ param: { name: "id", in: "path" } }) });

const createRouteDef = route({
  method: "post",
  path: "/v1/api-keys",
  tags: ["API keys"],
  summary: "Create an API key (the key is in this response only)",
  description:
    "`pk_` and `sk_` keys both carry `permissions` and pass gateway routes by them (a publishable key with " +
    "no permission passes none). A publishable key may be limited to `allowed_origins` for browser use; the " +
    "route table's `secretKeysOnly` keeps publishable keys off a route.",
  security: [{ bearer: [] }],
  middleware: [authenticate({ accept: ["bearer"] }), jsonBody] as const,
  request: { body: { required: true, content: { "application/json": { schema: createApiKeyRequestSchema } } } },
  responses: {
    201: { description: "Created", content: { "application/json": { schema: issuedApiKeyResponseSchema } } },
    400: pingError(
      "Unknown kind, mode or permission; allowed_origins on a secret key or not exact origins; expiry in the past",
    ),
    ...commonErrors,
    403: pingError("The caller's role may not create this key (live, or with bulk)"),
    404: pingError("No such business, or the caller is not a member of it"),
    409: pingError("The business is suspended (`business_suspended`): its keys are refused until it is verified"),
    415: pingError("Not JSON"),
  },
});

const listRouteDef = route({
  method: "get",
  path: "/v1/api-keys",
  tags: ["API keys"],
  summary: "List a business's API keys (never the keys themselves)",
  security: [{ bearer: [] }],
  middleware: [authenticate({ accept: ["bearer"] })] as const,
  request: {
    query: pageQuerySchema.extend({
      business_id: publicIdSchema.openapi({ param: { name: "business_id", in: "query" } }),
    }),
  },
  responses: {
    200: { description: "Keys, newest first", content: { "application/json": { schema: apiKeyListResponseSchema } } },
    400: pingError("Malformed query"),
    ...commonErrors,
    404: pingError("No such business, or the caller is not a member of it"),
  },
});

const getRouteDef = route({
  method: "get",
  path: "/v1/api-keys/{id}",
  tags: ["API keys"],
  summary: "One API key",
  security: [{ bearer: [] }],
  middleware: [authenticate({ accept: ["bearer"] })] as const,
  request: { params: keyIdParams },
  responses: {
    200: { description: "The key", content: { "application/json": { schema: apiKeyResponseSchema } } },
    ...commonErrors,
    404: pingError("No such key in the caller's businesses"),
  },
});

const rollRouteDef = route({
  method: "post",
  path: "/v1/api-keys/{id}/roll",
  tags: ["API keys"],
  summary: "Replace a key with a new secret; the old one keeps working for a grace period",
  description:
    "The successor has the same name, kind, mode, permissions, allowed origins and expiry. The old key is " +
    "accepted until `grace_until` (API_KEY_ROLL_GRACE_SECONDS, 24 h by default), then refused with reason " +
    "`revoked`.",
  security: [{ bearer: [] }],
  middleware: [authenticate({ accept: ["bearer"] })] as const,
  request: { params: keyIdParams },
  responses: {
    201: {
      description: "The successor (with its key, shown once) and the rolled key",
      content: { "application/json": { schema: rolledApiKeyResponseSchema } },
    },
    ...commonErrors,
    403: pingError("The caller's role may not roll this key"),
    404: pingError("No such key in the caller's businesses"),
    409: pingError(
      "The key is revoked, expired or already rolled, or its business is suspended (`business_suspended`)",
    ),
  },
});

const revokeRouteDef = route({
  method: "delete",
  path: "/v1/api-keys/{id}",
  tags: ["API keys"],
  summary: "Revoke a key",
  description:
    "Refused at once by the isolate and location that revoked it, and everywhere else within " +
    "API_KEY_EDGE_CACHE_SECONDS (at most 60 s). Revoking a revoked key is a no-op.",
  security: [{ bearer: [] }],
  middleware: [authenticate({ accept: ["bearer"] })] as const,
  request: { params: keyIdParams },
  responses: {
    200: { description: "The revoked key", content: { "application/json": { schema: apiKeyResponseSchema } } },
    ...commonErrors,
    403: pingError("The caller's role may not revoke this key"),
    404: pingError("No such key in the caller's businesses"),
  },
});

export const apiKeyRoutes = router
  .openapi(createRouteDef, async (c) => {
    const body = c.req.valid("json");
    const { key, plaintext } = await createApiKey(c.get("deps"), actorOf(c), {
      businessPublicId: body.business_id,
      name: body.name,
      kind: body.kind,
      mode: body.mode,
      permissions: body.permissions,
      allowedOrigins: body.allowed_origins,
      ...(body.expires_at ? { expiresAt: new Date(body.expires_at) } : {}),
    });
    return c.json({ result: "success" as const, api_key: toApiKeyView(key, c.get("deps").now), key: plaintext }, 201);
  })
  .openapi(listRouteDef, async (c) => {
    const query = c.req.valid("query");
    const page = await listApiKeysOfBusiness(
      c.get("deps"),
      c.get("principal"),
      query.business_id,
      toPageRequest(query),
    );
    return c.json(
      {
        result: "success" as const,
        api_keys: page.items.map((details) => toApiKeyView(details, c.get("deps").now)),
        next_cursor: nextCursorOf(page),
      },
      200,
    );
  })
  .openapi(getRouteDef, async (c) => {
    const details = await getApiKey(c.get("deps"), c.get("principal"), c.req.valid("param").id);
    return c.json({ result: "success" as const, api_key: toApiKeyView(details, c.get("deps").now) }, 200);
  })
  .openapi(rollRouteDef, async (c) => {
    const rolled = await rollApiKey(c.get("deps"), actorOf(c), c.req.valid("param").id);
    const now = c.get("deps").now;
    return c.json(
      {
        result: "success" as const,
        api_key: toApiKeyView(rolled.key, now),
        key: rolled.plaintext,
        previous: toApiKeyView(rolled.previous, now),
      },
      201,
    );
  })
  .openapi(revokeRouteDef, async (c) => {
    const details = await revokeApiKey(c.get("deps"), actorOf(c), c.req.valid("param").id);
    return c.json({ result: "success" as const, api_key: toApiKeyView(details, c.get("deps").now) }, 200);
  });
