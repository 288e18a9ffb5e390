import { z } from "@hono/zod-openapi";
import { MEMBER_ROLES, type MemberRole } from "../../domain";
import { publicIdSchema } from "./api-keys";

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
