import { z } from "@hono/zod-openapi";
import { BUSINESS_STATUSES, MEMBER_ROLES, USER_STATUSES, USER_TYPES } from "../../domain";
import type { NewUserRequest, UserWithMemberships } from "../../services/admin/users";
import type { AuditEventRow, BusinessRow, UserRow } from "../../storage/schema";
import { publicIdSchema } from "./api-keys";
import { DISPLAYABLE_TEXT, fieldString, UNDISPLAYABLE_TEXT_MESSAGE } from "./field-string";
import { pageQuerySchema } from "./pagination";

const timestamp = z.string().openapi({ format: "date-time" });

export const publicIdParams = z.object({ id: publicIdSchema.openapi({ param: { name: "id", in: "path" } }) });

// Businesses

export const businessSchema = z
  .object({
    id: z.number().int(),
    public_id: z.string(),
    name: z.string(),
    status: z.enum(BUSINESS_STATUSES),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .openapi("Business");

export function toBusinessView(business: BusinessRow): z.infer<typeof businessSchema> {
  return {
    id: business.id,
    public_id: business.publicId,
    name: business.name,
    status: business.status,
    created_at: business.createdAt.toISOString(),
    updated_at: business.updatedAt.toISOString(),
  };
}

const displayName = (maxLength: number) =>
  z
    .string()
    .trim()
    .max(maxLength, { error: `must be at most ${maxLength} characters` })
    .regex(DISPLAYABLE_TEXT, { error: UNDISPLAYABLE_TEXT_MESSAGE });
const businessName = displayName(200).min(1, { error: "must not be empty" }).openapi({ example: "Acme Corp" });

export const createBusinessRequestSchema = z
  .strictObject({ name: businessName, status: z.enum(BUSINESS_STATUSES).default("pending") })
  .openapi("CreateBusinessRequest");

export const updateBusinessRequestSchema = z
  .strictObject({ name: businessName.optional(), status: z.enum(BUSINESS_STATUSES).optional() })
  .openapi("UpdateBusinessRequest");

export const businessResponseSchema = z
  .object({ result: z.literal("success"), business: businessSchema })
  .openapi("BusinessResponse");

export const businessListResponseSchema = z
  .object({ result: z.literal("success"), businesses: z.array(businessSchema), next_cursor: z.string().nullable() })
  .openapi("BusinessList");

// Users

const membershipSchema = z.object({
  id: z.number().int(),
  public_id: z.string(),
  name: z.string(),
  status: z.enum(BUSINESS_STATUSES),
  role: z.enum(MEMBER_ROLES),
});

export const adminUserSchema = z
  .object({
    public_id: z.string(),
    user_type: z.enum(USER_TYPES),
    email_address: z.string(),
    first_name: z.string(),
    last_name: z.string(),
    phone_number: z.string().nullable(),
    status: z.enum(USER_STATUSES),
    created_at: timestamp,
    businesses: z.array(membershipSchema).optional(),
  })
  .openapi("AdminUser");

type AdminUserView = z.infer<typeof adminUserSchema>;

export function toAdminUserView(user: UserRow, memberships?: UserWithMemberships["memberships"]): AdminUserView {
  const view: AdminUserView = {
    public_id: user.publicId,
    user_type: user.userType,
    email_address: user.email,
    first_name: user.firstName,
    last_name: user.lastName,
    phone_number: user.phoneNumber,
    status: user.status,
    created_at: user.createdAt.toISOString(),
  };
  if (memberships) {
    view.businesses = memberships.map(({ business, role }) => ({
      id: business.id,
      public_id: business.publicId,
      name: business.name,
      status: business.status,
      role,
    }));
  }
  return view;
}

/** `member`, the only non-owner role before roles existed, is still accepted and means `admin`. */
const memberRoleInputSchema = z
  .enum([...MEMBER_ROLES, "member"])
  .default("developer")
  .transform((role) => (role === "member" ? "admin" : role));

/** The password rule wherever an admin sets one: at least 12 characters, at most what a login accepts. */
const ADMIN_PASSWORD_MIN_LENGTH = 12;
const ADMIN_PASSWORD_MAX_LENGTH = 1024;

const adminPasswordSchema = fieldString()
  .min(ADMIN_PASSWORD_MIN_LENGTH, { error: `must be at least ${ADMIN_PASSWORD_MIN_LENGTH} characters` })
  .max(ADMIN_PASSWORD_MAX_LENGTH, { error: `must be at most ${ADMIN_PASSWORD_MAX_LENGTH} characters` });

export const createUserRequestSchema = z
  .strictObject({
    email: z.email().max(320).openapi({ example: "agent2@example.com" }),
    password: adminPasswordSchema,
    user_type: z.enum(USER_TYPES),
    first_name: displayName(100).default(""),
    last_name: displayName(100).default(""),
    phone_number: z
      .string()
      .regex(/^\+[1-9][0-9]{6,14}$/, "an E.164 number such as +263771234567")
      .nullable()
      .default(null),
    businesses: z
      .array(z.strictObject({ business_id: publicIdSchema, role: memberRoleInputSchema }))
      .max(50)
      .default([]),
  })
  .openapi("CreateUserRequest");

/** The service's vocabulary for a create-user body (the JSON API's and the dashboard form's). */
export function newUserRequestOf(body: z.infer<typeof createUserRequestSchema>): NewUserRequest {
  return {
    email: body.email,
    password: body.password,
    userType: body.user_type,
    firstName: body.first_name,
    lastName: body.last_name,
    phoneNumber: body.phone_number,
    memberships: body.businesses.map((m) => ({ businessPublicId: m.business_id, role: m.role })),
  };
}

export const resetPasswordRequestSchema = z
  .strictObject({ password: adminPasswordSchema.openapi({ example: "a-new-long-password" }) })
  .openapi("ResetPasswordRequest");

export const adminUserResponseSchema = z
  .object({ result: z.literal("success"), user: adminUserSchema })
  .openapi("AdminUserResponse");

export const userListQuerySchema = pageQuerySchema.extend({
  user_type: z
    .enum(USER_TYPES)
    .optional()
    .openapi({ param: { name: "user_type", in: "query" } }),
});

export const userListResponseSchema = z
  .object({ result: z.literal("success"), users: z.array(adminUserSchema), next_cursor: z.string().nullable() })
  .openapi("AdminUserList");

// Audit events

export const auditEventSchema = z
  .object({
    id: z.number().int(),
    at: timestamp,
    actor_public_id: z.string().nullable(),
    actor_type: z.string(),
    action: z.string(),
    tenant: z.string().nullable(),
    target: z.string().nullable(),
    ip: z.string().nullable(),
    user_agent: z.string().nullable(),
    details: z.record(z.string(), z.unknown()).nullable(),
  })
  .openapi("AuditEvent");

export function toAuditEventView(event: AuditEventRow): z.infer<typeof auditEventSchema> {
  return {
    id: event.id,
    at: event.at.toISOString(),
    actor_public_id: event.actorPublicId,
    actor_type: event.actorType,
    action: event.action,
    tenant: event.tenant,
    target: event.target,
    ip: event.ip,
    user_agent: event.userAgent,
    details: event.details,
  };
}

const filterParam = (name: string, description: string) =>
  z
    .string()
    .min(1)
    .max(100)
    .optional()
    .openapi({ param: { name, in: "query" }, description });

export const auditQuerySchema = pageQuerySchema.extend({
  action: filterParam("action", "e.g. `api_key.revoke`, `user.disable`"),
  actor: filterParam("actor", "Public id of the acting user"),
  tenant: filterParam("tenant", "Public id of the business concerned"),
});

export const auditListResponseSchema = z
  .object({ result: z.literal("success"), events: z.array(auditEventSchema), next_cursor: z.string().nullable() })
  .openapi("AuditEventList");
