import { z } from "@hono/zod-openapi";
import { TENANT_USER_KINDS, TENANT_USER_STATUSES } from "../../domain";
import type { TenantUserFilter, TenantUserWithIdentity } from "../../storage/tenant-users";
import { nextCursorSchema, pageQuerySchema } from "./pagination";

export const tenantUserSchema = z
  .object({
    id: z.string().openapi({ description: "The tenant user's public id (a PERS token's `sub`)" }),
    kind: z.enum(TENANT_USER_KINDS),
    status: z.enum(TENANT_USER_STATUSES).openapi({
      description: "`disabled`: identity tokens are refused at the exchange and refreshes are refused",
    }),
    identity: z
      .object({ issuer: z.string(), subject: z.string() })
      .nullable()
      .openapi({ description: "The provider identity the user signs in with; null for an anonymous user" }),
    email: z.string().nullable().openapi({ description: "Display data from the provider's latest token" }),
    name: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("TenantUser");

export const tenantUserResponseSchema = z.object({ result: z.literal("success"), tenantUser: tenantUserSchema });

export const tenantUserListResponseSchema = z.object({
  result: z.literal("success"),
  tenantUsers: z.array(tenantUserSchema),
  next_cursor: nextCursorSchema,
});

export const tenantUserListQuerySchema = pageQuerySchema
  .extend({
    status: z
      .enum(TENANT_USER_STATUSES, { error: `must be one of ${TENANT_USER_STATUSES.join(", ")}` })
      .optional()
      .openapi({ param: { name: "status", in: "query" } }),
    issuer: z
      .string()
      .min(1)
      .max(512)
      .optional()
      .openapi({ param: { name: "issuer", in: "query" }, description: "With `subject`: the user of that identity" }),
    subject: z
      .string()
      .min(1)
      .max(255)
      .optional()
      .openapi({ param: { name: "subject", in: "query" }, description: "With `issuer`" }),
  })
  .refine((query) => (query.issuer === undefined) === (query.subject === undefined), {
    message: "issuer and subject go together",
    path: ["issuer"],
  });

export function tenantUserFilterOf(query: z.infer<typeof tenantUserListQuerySchema>): TenantUserFilter {
  const filter: TenantUserFilter = {};
  if (query.status !== undefined) filter.status = query.status;
  if (query.issuer !== undefined && query.subject !== undefined) {
    filter.identity = { issuer: query.issuer, subject: query.subject };
  }
  return filter;
}

export function tenantUserView({ user, identity }: TenantUserWithIdentity): z.infer<typeof tenantUserSchema> {
  return {
    id: user.publicId,
    kind: user.kind,
    status: user.status,
    identity,
    email: user.email,
    name: user.name,
    createdAt: user.createdAt.toISOString(),
    updatedAt: user.updatedAt.toISOString(),
  };
}
