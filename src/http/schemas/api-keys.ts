import { z } from "@hono/zod-openapi";
import { API_KEY_KINDS, API_KEY_MODES, API_KEY_PERMISSIONS, type ApiKeyPrincipal } from "../../domain";
import { apiKeyStatus } from "../../services/api-keys/management";
import type { ApiKeyDetails } from "../../storage/api-keys";
import { DISPLAYABLE_TEXT, UNDISPLAYABLE_TEXT_MESSAGE } from "./field-string";
import { allowedOriginListSchema } from "./origins";

export const publicIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, "not a public id");

export const apiKeyIdSchema = z
  .string()
  .regex(/^key_[A-Za-z0-9_-]{1,64}$/, "not an API key id")
  .openapi({ example: "key_7Q3yTzWkq1J2aN8vLbXcRm" });

export const apiKeyKindSchema = z.enum(API_KEY_KINDS).openapi({
  description:
    "Both kinds carry permissions and pass a gateway route by them. A `publishable` key may sit in a browser " +
    "or an app (it is also a tenant's PERS project key): it may be limited to `allowed_origins`, and routes " +
    "marked `secretKeysOnly` refuse it. A `secret` key is a server's credential and never leaves the server.",
});
export const apiKeyModeSchema = z.enum(API_KEY_MODES).openapi({
  description: "`test` keys never reach a live side effect.",
});
export const apiKeyPermissionSchema = z.enum(API_KEY_PERMISSIONS);

const timestamp = z.string().openapi({ format: "date-time", example: "2026-01-31T12:00:00.000Z" });
const isoOrNull = (date: Date | null) => (date ? date.toISOString() : null);

export const apiKeySchema = z
  .object({
    id: apiKeyIdSchema,
    business_id: z.string().openapi({ description: "Public id of the business the key belongs to" }),
    name: z.string(),
    kind: apiKeyKindSchema,
    mode: apiKeyModeSchema,
    permissions: z.array(apiKeyPermissionSchema),
    allowed_origins: z
      .array(z.string())
      .nullable()
      .openapi({ description: "Publishable keys: the only browser origins it works from; null when unrestricted" }),
    display_prefix: z.string().openapi({ example: "sk_live_5Hq2" }),
    status: z.enum(["active", "rolled", "revoked", "expired"]).openapi({
      description: "`rolled`: replaced by `replaced_by`, still accepted until `grace_until`.",
    }),
    created_by: z.string().nullable().openapi({ description: "Public id of the user who created it" }),
    created_at: timestamp,
    expires_at: timestamp.nullable(),
    last_used_at: timestamp.nullable().openapi({ description: "Recorded a few seconds late, coalesced" }),
    usage_count: z.number().int(),
    revoked_at: timestamp.nullable(),
    replaced_by: apiKeyIdSchema.nullable(),
    grace_until: timestamp.nullable(),
  })
  .openapi("ApiKey");

export type ApiKeyView = z.infer<typeof apiKeySchema>;

/** The wire shape of a key as of `now`: never the key itself, nor its hash. */
export function toApiKeyView(details: ApiKeyDetails, now: Date): ApiKeyView {
  const { key } = details;
  return {
    id: key.publicId,
    business_id: details.businessPublicId,
    name: key.name,
    kind: key.kind,
    mode: key.mode,
    permissions: key.permissions,
    allowed_origins: key.allowedOrigins,
    display_prefix: key.displayPrefix,
    status: apiKeyStatus(key, now),
    created_by: details.createdByPublicId,
    created_at: key.createdAt.toISOString(),
    expires_at: isoOrNull(key.expiresAt),
    last_used_at: isoOrNull(key.lastUsedAt),
    usage_count: key.usageCount,
    revoked_at: isoOrNull(key.revokedAt),
    replaced_by: details.replacedByPublicId,
    grace_until: isoOrNull(key.graceUntil),
  };
}

export const createApiKeyRequestSchema = z
  .strictObject({
    business_id: publicIdSchema.openapi({ example: "00000000-0000-4000-8000-000000000001" }),
    name: z
      .string()
      .trim()
      .min(1, { error: "must not be empty" })
      .max(100, { error: "must be at most 100 characters" })
      .regex(DISPLAYABLE_TEXT, { error: UNDISPLAYABLE_TEXT_MESSAGE })
      .openapi({ example: "Billing server" }),
    kind: apiKeyKindSchema,
    mode: apiKeyModeSchema,
    permissions: z
      .array(apiKeyPermissionSchema)
      .max(API_KEY_PERMISSIONS.length)
      .default([])
      .openapi({ example: ["sms"], description: "What the key may do through the gateway (both kinds)" }),
    allowed_origins: allowedOriginListSchema.optional().openapi({
      description:
        "Publishable keys only (a 400 on a secret key): exact origins such as `https://app.example.com`, no " +
        "wildcards. A request with this key whose `Origin` is not listed is refused (403 `origin_not_allowed`); " +
        "a request without `Origin` (a server) is not. A browser guard, not a secret: a server can send any " +
        "`Origin`. Absent: usable from any origin.",
    }),
    expires_at: z.iso.datetime({ offset: true }).optional().openapi({ description: "Must be in the future" }),
  })
  .openapi("CreateApiKeyRequest");

/** The plaintext appears in exactly two responses: creation and roll. */
const plaintextKey = z.string().openapi({
  description: "The API key. Shown once: store it now, it cannot be retrieved again.",
  example: "sk_test_2ecjskgxeVPsh5BJAJmh4gmJJ8Zjw4Pgu6Vx3HH",
});

export const issuedApiKeyResponseSchema = z
  .object({ result: z.literal("success"), api_key: apiKeySchema, key: plaintextKey })
  .openapi("IssuedApiKey");

export const rolledApiKeyResponseSchema = z
  .object({ result: z.literal("success"), api_key: apiKeySchema, key: plaintextKey, previous: apiKeySchema })
  .openapi("RolledApiKey");

export const apiKeyResponseSchema = z
  .object({ result: z.literal("success"), api_key: apiKeySchema })
  .openapi("ApiKeyResponse");

export const apiKeyListResponseSchema = z
  .object({
    result: z.literal("success"),
    api_keys: z.array(apiKeySchema),
    next_cursor: z.string().nullable(),
  })
  .openapi("ApiKeyList");

export const apiKeyPrincipalResponseSchema = z
  .object({
    principal: z.object({
      method: z.literal("api_key"),
      key_id: apiKeyIdSchema,
      tenant_id: z.string().openapi({ description: "Public id of the key's business" }),
      kind: apiKeyKindSchema,
      mode: apiKeyModeSchema,
      permissions: z.array(apiKeyPermissionSchema),
    }),
  })
  .openapi("ApiKeyPrincipal");

export function toPrincipalView(principal: ApiKeyPrincipal) {
  return {
    principal: {
      method: principal.method,
      key_id: principal.keyId,
      tenant_id: principal.tenantId,
      kind: principal.kind,
      mode: principal.mode,
      permissions: [...principal.permissions],
    },
  };
}

export const gatewayErrorSchema = z
  .object({ error: z.string(), message: z.string(), reason: z.string().optional() })
  .openapi("GatewayError");
