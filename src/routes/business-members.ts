import { actorOf } from "../http/client-info";
import { pingError, pingUnavailable } from "../http/openapi-errors";
import { createSurface } from "../http/router";
import {
  changeMemberRoleRequestSchema,
  memberParams,
  memberResponseSchema,
  toMemberView,
} from "../http/schemas/business-members";
import { authenticate } from "../middleware/authenticate";
import { jsonBody } from "../middleware/json-body";
import { changeMemberRole } from "../services/admin/business-members";

const { router, route } = createSurface("ping");

/** `/v1/businesses/{business_id}/members`: a business's owners and admins set its members' roles. */

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
    409: pingError("The change would leave the business without an owner"),
    415: pingError("Not JSON"),
    503: pingUnavailable,
  },
});

export const businessMemberRoutes = router.openapi(changeRoleRoute, async (c) => {
  const params = c.req.valid("param");
  const member = await changeMemberRole(c.get("deps"), actorOf(c), {
    businessPublicId: params.business_id,
    memberPublicId: params.user_id,
    role: c.req.valid("json").role,
  });
  return c.json({ result: "success" as const, member: toMemberView(member) }, 200);
});
