import { actorOf } from "../http/client-info";
import { adminErrors, pingError } from "../http/openapi-errors";
import { createSurface } from "../http/router";
import { tenantPathSchema, tenantUserPathSchema } from "../http/schemas/admin-identity";
import { nextCursorOf, toPageRequest } from "../http/schemas/pagination";
import {
  tenantUserFilterOf,
  tenantUserListQuerySchema,
  tenantUserListResponseSchema,
  tenantUserResponseSchema,
  tenantUserView,
} from "../http/schemas/tenant-users";
import { adminOnly } from "../middleware/authenticate";
import { requireBusiness } from "../services/admin/businesses";
import {
  disableTenantUser,
  enableTenantUser,
  findTenantUsers,
  requireTenantUser,
} from "../services/admin/tenant-users";

const { router, route } = createSurface("ping");

/**
 * `/v1/admin/tenants/{tenantId}/users…`: a tenant's end users (PERS), found by id or identity, and
 * disabled or enabled one at a time. Admin users only. (Ending a user's sessions without disabling
 * them is `DELETE …/users/{userId}/sessions`, in admin-identity.ts.)
 */

const tags = ["Admin: tenant identity"];
const security = [{ bearer: [] }];
const notFound = { 404: pingError("No such tenant or tenant user") };
const userResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: tenantUserResponseSchema } },
});

const listUsersRoute = route({
  method: "get",
  path: "/v1/admin/tenants/{tenantId}/users",
  tags,
  summary: "A tenant's end users, newest first",
  description:
    "Filter by `status`, or name one identity with `issuer` and `subject` (both or neither) to find the id " +
    "of the user a provider account signs in as.",
  security,
  middleware: [adminOnly] as const,
  request: { params: tenantPathSchema, query: tenantUserListQuerySchema },
  responses: {
    200: {
      description: "A page of tenant users",
      content: { "application/json": { schema: tenantUserListResponseSchema } },
    },
    ...adminErrors,
    404: pingError("No such tenant"),
  },
});

const getUserRoute = route({
  method: "get",
  path: "/v1/admin/tenants/{tenantId}/users/{userId}",
  tags,
  summary: "One end user of a tenant",
  security,
  middleware: [adminOnly] as const,
  request: { params: tenantUserPathSchema },
  responses: { 200: userResponse("The tenant user"), ...adminErrors, ...notFound },
});

const disableUserRoute = route({
  method: "post",
  path: "/v1/admin/tenants/{tenantId}/users/{userId}/disable",
  tags,
  summary: "Disable a tenant user: exchange and refresh are refused, every PERS session ends",
  description:
    "Revokes every refresh-token family of the user (as `DELETE …/sessions` does): refreshes are refused at " +
    "once, and the families' access tokens stop at the gateway within about a minute. From then on the " +
    "user's identity tokens are refused at `/v2/auth/token` with 403 `user_disabled`. Disabling a disabled " +
    "user is a 200 that changes nothing. Audited as `tenant_user.disable`.",
  security,
  middleware: [adminOnly] as const,
  request: { params: tenantUserPathSchema },
  responses: { 200: userResponse("Disabled"), ...adminErrors, ...notFound },
});

const enableUserRoute = route({
  method: "post",
  path: "/v1/admin/tenants/{tenantId}/users/{userId}/enable",
  tags,
  summary: "Enable a disabled tenant user again",
  description:
    "The user can exchange identity tokens again; the sessions that disabling ended stay ended. Enabling an " +
    "active user is a 200 that changes nothing. Audited as `tenant_user.enable`.",
  security,
  middleware: [adminOnly] as const,
  request: { params: tenantUserPathSchema },
  responses: { 200: userResponse("Enabled"), ...adminErrors, ...notFound },
});

export const adminTenantUserRoutes = router
  .openapi(listUsersRoute, async (c) => {
    const tenant = await requireBusiness(c.get("deps"), c.req.valid("param").tenantId);
    const query = c.req.valid("query");
    const page = await findTenantUsers(c.get("deps"), tenant, tenantUserFilterOf(query), toPageRequest(query));
    return c.json(
      { result: "success" as const, tenantUsers: page.items.map(tenantUserView), next_cursor: nextCursorOf(page) },
      200,
    );
  })
  .openapi(getUserRoute, async (c) => {
    const { tenantId, userId } = c.req.valid("param");
    const tenant = await requireBusiness(c.get("deps"), tenantId);
    const found = await requireTenantUser(c.get("deps"), tenant, userId);
    return c.json({ result: "success" as const, tenantUser: tenantUserView(found) }, 200);
  })
  .openapi(disableUserRoute, async (c) => {
    const { tenantId, userId } = c.req.valid("param");
    const tenant = await requireBusiness(c.get("deps"), tenantId);
    const disabled = await disableTenantUser(c.get("deps"), actorOf(c), tenant, userId);
    return c.json({ result: "success" as const, tenantUser: tenantUserView(disabled) }, 200);
  })
  .openapi(enableUserRoute, async (c) => {
    const { tenantId, userId } = c.req.valid("param");
    const tenant = await requireBusiness(c.get("deps"), tenantId);
    const enabled = await enableTenantUser(c.get("deps"), actorOf(c), tenant, userId);
    return c.json({ result: "success" as const, tenantUser: tenantUserView(enabled) }, 200);
  });
