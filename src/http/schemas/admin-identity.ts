import { z } from "@hono/zod-openapi";
import { IDP_ALGORITHMS, OPT_IN_AUTH_TYPES } from "../../domain";
import type { ProviderInput } from "../../services/admin/identity-providers";
import type { TenantSettings } from "../../services/token-exchange/tenant-settings";
import type { IdentityProviderRow } from "../../storage/schema";
import { allowedOriginListSchema } from "./origins";

/** `iss`/`aud` values are StringOrURI (RFC 7519 §2): printable, no whitespace, bounded. */
const stringOrUri = z
  .string()
  .min(1, { error: "must not be empty" })
  .max(512, { error: "must be at most 512 characters" })
  .regex(/^[\x21-\x7e]+$/, "must be printable ASCII without spaces");

const claimName = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_.:/-]+$/, "must be a claim name");

export const tenantPathSchema = z.object({
  tenantId: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9-]+$/)
    .openapi({ param: { name: "tenantId", in: "path" }, description: "The tenant's (business's) public id" }),
});

export const tenantUserPathSchema = tenantPathSchema.extend({
  userId: z
    .string()
    .uuid()
    .openapi({
      param: { name: "userId", in: "path" },
      description: "The tenant user's public id (a PERS token's `sub`)",
    }),
});

export const providerPathSchema = tenantPathSchema.extend({
  providerId: z
    .string()
    .regex(/^idp_[A-Za-z0-9_-]{1,64}$/)
    .openapi({ param: { name: "providerId", in: "path" }, example: "idp_3kTMd9fQ2bXw" }),
});

export const claimMappingSchema = z
  .object({
    subject: claimName.default("sub"),
    email: claimName.optional(),
    name: claimName.optional(),
  })
  .strict()
  .openapi("ClaimMapping");

export const identityProviderInputSchema = z
  .object({
    issuer: stringOrUri.openapi({ example: "https://idp.example.test" }),
    audience: stringOrUri.openapi({ example: "gatehouse-demo" }),
    jwksUrl: z
      .string()
      .max(2048)
      .optional()
      .openapi({ description: "https URL of the provider's JWKS (http only for localhost in local development)" }),
    jwksInline: z
      .object({ keys: z.array(z.record(z.string(), z.unknown())).min(1).max(20) })
      .strict()
      .optional()
      .openapi({ description: "The provider's public keys, when it has no JWKS URL. Private keys are refused." }),
    allowedAlgorithms: z
      .array(z.enum(IDP_ALGORITHMS))
      .min(1, { error: "choose at least one algorithm" })
      .max(IDP_ALGORITHMS.length)
      .openapi({ example: ["RS256"] }),
    claimMapping: claimMappingSchema.default({ subject: "sub", email: "email", name: "name" }),
    enabled: z.boolean().default(true),
  })
  .strict()
  .refine((input) => (input.jwksUrl === undefined) !== (input.jwksInline === undefined), {
    message: "exactly one of jwksUrl and jwksInline is required",
    path: ["jwksUrl"],
  })
  .openapi("IdentityProviderInput") satisfies z.ZodType<ProviderInput>;

export const identityProviderSchema = z
  .object({
    id: z.string(),
    issuer: z.string(),
    audience: z.string(),
    jwksUrl: z.string().nullable(),
    jwksInline: z.object({ keys: z.array(z.record(z.string(), z.unknown())) }).nullable(),
    allowedAlgorithms: z.array(z.enum(IDP_ALGORITHMS)),
    claimMapping: z.object({ subject: z.string(), email: z.string().optional(), name: z.string().optional() }),
    enabled: z.boolean(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("IdentityProvider");

const adminIdentitySchema = z
  .object({ issuer: stringOrUri, subject: z.string().min(1).max(255) })
  .strict()
  .openapi("AdminIdentity");

/** Every setting, none defaulted: a PUT that leaves one out is refused, never reset in silence. */
const tenantSettingsFields = {
  allowJWTForUnauthenticatedUsers: z.boolean(),
  enabledAuthTypes: z.array(z.enum(OPT_IN_AUTH_TYPES)).max(OPT_IN_AUTH_TYPES.length),
  adminIdentities: z.array(adminIdentitySchema).max(100),
  allowedOrigins: allowedOriginListSchema.nullable().openapi({
    description:
      "Browser origins whose pages may call /v2/* for this tenant (CORS, never with credentials): exact " +
      "origins, no wildcards. A request from any other page is refused (403 `origin_not_allowed`); one " +
      "without `Origin` (a server) is not. null: PERS_CORS_ALLOWED_ORIGINS applies. []: none.",
  }),
};

export const tenantSettingsInputSchema = z.object(tenantSettingsFields).strict().openapi("TenantSettingsInput");

/** Only the settings named change; unknown fields are refused. */
export const tenantSettingsPatchSchema = z
  .object(tenantSettingsFields)
  .partial()
  .strict()
  .openapi("TenantSettingsPatch");

/** The service's vocabulary for a settings body (`allowJwt…`, as the storage names it). */
export function settingsValuesOf<T extends Partial<z.infer<typeof tenantSettingsInputSchema>>>(input: T) {
  const { allowJWTForUnauthenticatedUsers, ...rest } = input;
  return { ...rest, allowJwtForUnauthenticatedUsers: allowJWTForUnauthenticatedUsers } as Omit<
    T,
    "allowJWTForUnauthenticatedUsers"
  > & { allowJwtForUnauthenticatedUsers: T["allowJWTForUnauthenticatedUsers"] };
}

export const tenantSettingsSchema = z
  .object({
    tenantId: z.string(),
    allowJWTForUnauthenticatedUsers: z.boolean(),
    enabledAuthTypes: z.array(z.enum(OPT_IN_AUTH_TYPES)),
    adminIdentities: z.array(z.object({ issuer: z.string(), subject: z.string() })),
    allowedOrigins: z
      .array(z.string())
      .nullable()
      .openapi({ description: "null: the global default (PERS_CORS_ALLOWED_ORIGINS) applies" }),
    updatedAt: z.string().nullable(),
  })
  .openapi("TenantSettings");

/** An identity provider as the admin API shows it (its inline keys are public keys). */
export function providerView(row: IdentityProviderRow): z.infer<typeof identityProviderSchema> {
  return {
    id: row.publicId,
    issuer: row.issuer,
    audience: row.audience,
    jwksUrl: row.jwksUrl,
    jwksInline: row.jwksInline,
    allowedAlgorithms: row.allowedAlgorithms,
    claimMapping: row.claimMapping,
    enabled: row.enabled,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** A tenant's token-exchange settings as the admin API shows them. */
export function settingsView(tenantPublicId: string, settings: TenantSettings): z.infer<typeof tenantSettingsSchema> {
  return {
    tenantId: tenantPublicId,
    allowJWTForUnauthenticatedUsers: settings.allowJwtForUnauthenticatedUsers,
    enabledAuthTypes: settings.enabledAuthTypes,
    adminIdentities: settings.adminIdentities,
    allowedOrigins: settings.allowedOrigins,
    updatedAt: settings.updatedAt?.toISOString() ?? null,
  };
}
