import { z } from "@hono/zod-openapi";
import { MEMBER_ROLES, type MemberRole, USER_STATUSES, USER_TYPES } from "../../domain";
import type { MemberAddition } from "../../services/admin/business-members";
import type { BusinessMember } from "../../storage/business-members";
import { publicIdSchema } from "./api-keys";
import { nextCursorSchema } from "./pagination";

export const memberRoleSchema = z.enum(MEMBER_ROLES).openapi({
  description:
    "`owner`: everything, including making owners. `admin`: every key (live, `bulk`) and non-owners' roles. " +
    "`developer`: test keys without `bulk`, and rolls or revokes only the keys they created. `viewer`: reads only.",
});

export const memberParams = z.object({
  business_id: publicIdSchema.openapi({ param: { name: "business_id", in: "path" } }),
  user_id: publicIdSchema.openapi({ param: { name: "user_id", in: "path" } }),
});

export const changeMemberRoleRequestSchema = z.strictObject({ role: memberRoleSchema }).openapi("ChangeMemberRole");

export const memberResponseSchema = z
  .object({
    result: z.literal("success"),
    member: z.object({ user_id: z.string(), business_id: z.string(), role: memberRoleSchema }),
  })
  .openapi("MemberResponse");

export function toMemberView(member: { memberPublicId: string; businessPublicId: string; role: MemberRole }) {
  return { user_id: member.memberPublicId, business_id: member.businessPublicId, role: member.role };
}

export const businessParams = z.object({
  business_id: publicIdSchema.openapi({ param: { name: "business_id", in: "path" } }),
});

export const addMemberRequestSchema = z
  .strictObject({
    user_id: publicIdSchema.optional().openapi({ description: "The account's public id" }),
    email: z
      .email()
      .max(320)
      .optional()
      .openapi({ description: "The account's email, compared as login compares it", example: "dev@example.com" }),
    role: memberRoleSchema,
  })
  .refine((body) => (body.user_id === undefined) !== (body.email === undefined), {
    message: "exactly one of user_id and email is required",
    path: ["user_id"],
  })
  .openapi("AddMember");

export type AddMemberRequest = z.infer<typeof addMemberRequestSchema>;

/** The service's vocabulary for an add-member body. */
export function memberAdditionOf(businessPublicId: string, body: AddMemberRequest): MemberAddition {
  const user = body.user_id !== undefined ? { publicId: body.user_id } : { email: body.email ?? "" };
  return { businessPublicId, user, role: body.role };
}

const businessMemberSchema = z
  .object({
    user_id: z.string(),
    business_id: z.string(),
    email_address: z.string(),
    role: memberRoleSchema,
    user_type: z.enum(USER_TYPES),
    status: z.enum(USER_STATUSES).openapi({ description: "`disabled`: the account may not sign in or act" }),
    joined_at: z.string().openapi({ format: "date-time", example: "2026-01-31T12:00:00.000Z" }),
  })
  .openapi("BusinessMember");

export const memberListResponseSchema = z
  .object({ result: z.literal("success"), members: z.array(businessMemberSchema), next_cursor: nextCursorSchema })
  .openapi("BusinessMemberList");

export const addedMemberResponseSchema = z
  .object({ result: z.literal("success"), member: businessMemberSchema })
  .openapi("AddedMemberResponse");

export function toBusinessMemberView(member: BusinessMember, businessPublicId: string) {
  return {
    user_id: member.userPublicId,
    business_id: businessPublicId,
    email_address: member.email,
    role: member.role,
    user_type: member.userType,
    status: member.status,
    joined_at: member.joinedAt.toISOString(),
  };
}
