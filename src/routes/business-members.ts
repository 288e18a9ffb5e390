import { actorOf } from "../http/client-info";
import { pingError, pingUnavailable } from "../http/openapi-errors";
import { createSurface } from "../http/router";
import {
  addedMemberResponseSchema,
  addMemberRequestSchema,
  businessParams,
  changeMemberRoleRequestSchema,
  memberAdditionOf,
  memberListResponseSchema,
  memberParams,
  memberResponseSchema,
  toBusinessMemberView,
  toMemberView,
} from "../http/schemas/business-members";
import { nextCursorOf, pageQuerySchema, toPageRequest } from "../http/schemas/pagination";
import { authenticate } from "../middleware/authenticate";
import { jsonBody } from "../middleware/json-body";
import { addMember, changeMemberRole, listMembers, removeMember } from "../services/admin/business-members";

const { router, route } = createSurface("ping");

/**
 * `/v1/businesses/{business_id}/members`: every member of a business reads its members; its owners
 * and admins add members, set their roles and remove them; any member may leave
 * (services/admin/member-roles.ts).
 */

const listMembersRoute = route({
  method: "get",
  path: "/v1/businesses/{business_id}/members",
  tags: ["Members"],
  summary: "List a business's members, newest account first (any member may)",
  security: [{ bearer: [] }],
  middleware: [authenticate({ accept: ["bearer"] })] as const,
  request: { params: businessParams, query: pageQuerySchema },
  responses: {
    200: {
      description: "A page of members",
      content: { "application/json": { schema: memberListResponseSchema } },
    },
    400: pingError("Malformed business id, limit or cursor"),
    401: pingError("Missing, invalid, expired or revoked access token"),
    404: pingError("No such business, or the caller is not a member of it"),
    503: pingUnavailable,
  },
});

const addMemberRoute = route({
  method: "post",
  path: "/v1/businesses/{business_id}/members",
  tags: ["Members"],
  summary: "Add an existing account as a member (owners: any role; admins: any but owner)",
  description:
    "Name the account by `user_id` or by `email`, not both. Who may add members is checked before the " +
    "account is looked up, so only a caller who may add members learns whether an email is registered " +
    "(registration tells anyone too); each such attempt is audited.",
  security: [{ bearer: [] }],
  middleware: [authenticate({ accept: ["bearer"] }), jsonBody] as const,
  request: {
    params: businessParams,
    body: { required: true, content: { "application/json": { schema: addMemberRequestSchema } } },
  },
  responses: {
    201: { description: "The new member", content: { "application/json": { schema: addedMemberResponseSchema } } },
    400: pingError("Unknown role; neither or both of user_id and email; a malformed email"),
    401: pingError("Missing, invalid, expired or revoked access token"),
    403: pingError("The caller's role may not add this member"),
    404: pingError("No such business (or the caller is not a member of it), or no such account"),
    409: pingError("The account is already a member"),
    415: pingError("Not JSON"),
    503: pingUnavailable,
  },
});

const removeMemberRoute = route({
  method: "delete",
  path: "/v1/businesses/{business_id}/members/{user_id}",
  tags: ["Members"],
  summary: "Remove a member (owners: anyone; admins: non-owners; anyone: themselves)",
  description:
    "Takes effect at once for everything the membership authorized. The keys the member created belong to " +
    "the business and keep working.",
  security: [{ bearer: [] }],
  middleware: [authenticate({ accept: ["bearer"] })] as const,
  request: { params: memberParams },
  responses: {
    200: {
      description: "The membership removed, with the role it had",
      content: { "application/json": { schema: memberResponseSchema } },
    },
    400: pingError("Malformed business or user id"),
    401: pingError("Missing, invalid, expired or revoked access token"),
    403: pingError("The caller's role may not remove this member"),
    404: pingError("No such business or member, or the caller is not a member of it"),
    409: pingError("The member is the business's last owner"),
    503: pingUnavailable,
  },
});

const changeRoleRoute = route({
  method: "patch",
  path: "/v1/businesses/{business_id}/members/{user_id}",
  tags: ["Members"],
  summary: "Set a member's role (owners: any; admins: among admin, developer and viewer)",
  security: [{ bearer: [] }],
  middleware: [authenticate({ accept: ["bearer"] }), jsonBody] as const,
  request: {
    params: memberParams,
    body: { required: true, content: { "application/json": { schema: changeMemberRoleRequestSchema } } },
  },
  responses: {
    200: { description: "The member's role now", content: { "application/json": { schema: memberResponseSchema } } },
    400: pingError("Unknown role"),
    401: pingError("Missing, invalid, expired or revoked access token"),
    403: pingError("The caller's role may not make this change"),
    404: pingError("No such business or member, or the caller is not a member of it"),
    409: pingError("The change would leave the business without an owner, or the member's role changed meanwhile"),
    415: pingError("Not JSON"),
    503: pingUnavailable,
  },
});

export const businessMemberRoutes = router
  .openapi(listMembersRoute, async (c) => {
    const { business_id } = c.req.valid("param");
    const page = toPageRequest(c.req.valid("query"));
    const { business, members } = await listMembers(c.get("deps"), c.get("principal"), business_id, page);
    return c.json(
      {
        result: "success" as const,
        members: members.items.map((member) => toBusinessMemberView(member, business.publicId)),
        next_cursor: nextCursorOf(members),
      },
      200,
    );
  })
  .openapi(addMemberRoute, async (c) => {
    const addition = memberAdditionOf(c.req.valid("param").business_id, c.req.valid("json"));
    const { business, member } = await addMember(c.get("deps"), actorOf(c), addition);
    return c.json({ result: "success" as const, member: toBusinessMemberView(member, business.publicId) }, 201);
  })
  .openapi(changeRoleRoute, async (c) => {
    const params = c.req.valid("param");
    const member = await changeMemberRole(c.get("deps"), actorOf(c), {
      businessPublicId: params.business_id,
      memberPublicId: params.user_id,
      role: c.req.valid("json").role,
    });
    return c.json({ result: "success" as const, member: toMemberView(member) }, 200);
  })
  .openapi(removeMemberRoute, async (c) => {
    const params = c.req.valid("param");
    const member = await removeMember(c.get("deps"), actorOf(c), {
      businessPublicId: params.business_id,
      memberPublicId: params.user_id,
    });
    return c.json({ result: "success" as const, member: toMemberView(member) }, 200);
  });
