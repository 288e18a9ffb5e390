import { actorOf } from "../http/client-info";
import { adminErrors, pingError } from "../http/openapi-errors";
import { createSurface } from "../http/router";
import {
  adminUserResponseSchema,
  businessListResponseSchema,
  businessResponseSchema,
  createBusinessRequestSchema,
  createUserRequestSchema,
  newUserRequestOf,
  publicIdParams,
  resetPasswordRequestSchema,
  toAdminUserView,
  toBusinessView,
  updateBusinessRequestSchema,
  userListQuerySchema,
  userListResponseSchema,
} from "../http/schemas/admin";
import { nextCursorOf, pageQuerySchema, toPageRequest } from "../http/schemas/pagination";
import { adminOnly } from "../middleware/authenticate";
import { jsonBody } from "../middleware/json-body";
import { changeBusiness, createBusiness, findBusinesses } from "../services/admin/businesses";
import { createUserAccount, disableUser, enableUser, findUsers, resetUserPassword } from "../services/admin/users";

const { router, route } = createSurface("ping");

/** `/v1/admin`: businesses (tenants) and users of every type. `adminuser` tokens only. */

const createBusinessRoute = route({
  method: "post",
  path: "/v1/admin/businesses",
  tags: ["Administration"],
  summary: "Create a business (tenant)",
  security: [{ bearer: [] }],
  middleware: [adminOnly, jsonBody] as const,
  request: { body: { required: true, content: { "application/json": { schema: createBusinessRequestSchema } } } },
  responses: {
    201: { description: "Created", content: { "application/json": { schema: businessResponseSchema } } },
    ...adminErrors,
    415: pingError("Not JSON"),
  },
});

const listBusinessesRoute = route({
  method: "get",
  path: "/v1/admin/businesses",
  tags: ["Administration"],
  summary: "List businesses, newest first",
  security: [{ bearer: [] }],
  middleware: [adminOnly] as const,
  request: { query: pageQuerySchema },
  responses: {
    200: {
      description: "A page of businesses",
      content: { "application/json": { schema: businessListResponseSchema } },
    },
    ...adminErrors,
  },
});

const updateBusinessRoute = route({
  method: "patch",
  path: "/v1/admin/businesses/{id}",
  tags: ["Administration"],
  summary: "Rename a business or change its status",
  security: [{ bearer: [] }],
  middleware: [adminOnly, jsonBody] as const,
  request: {
    params: publicIdParams,
    body: { required: true, content: { "application/json": { schema: updateBusinessRequestSchema } } },
  },
  responses: {
    200: { description: "Updated", content: { "application/json": { schema: businessResponseSchema } } },
    ...adminErrors,
    404: pingError("No such business"),
    415: pingError("Not JSON"),
  },
});

const createUserRoute = route({
  method: "post",
  path: "/v1/admin/users",
  tags: ["Administration"],
  summary: "Create a user of any type (how agents and admins are made), optionally with memberships",
  security: [{ bearer: [] }],
  middleware: [adminOnly, jsonBody] as const,
  request: { body: { required: true, content: { "application/json": { schema: createUserRequestSchema } } } },
  responses: {
    201: { description: "Created", content: { "application/json": { schema: adminUserResponseSchema } } },
    ...adminErrors,
    404: pingError("A named business does not exist (nothing was created)"),
    409: pingError("Email already registered (nothing was created)"),
    415: pingError("Not JSON"),
  },
});

const listUsersRoute = route({
  method: "get",
  path: "/v1/admin/users",
  tags: ["Administration"],
  summary: "List users, newest first",
  security: [{ bearer: [] }],
  middleware: [adminOnly] as const,
  request: { query: userListQuerySchema },
  responses: {
    200: { description: "A page of users", content: { "application/json": { schema: userListResponseSchema } } },
    ...adminErrors,
  },
});

const disableUserRoute = route({
  method: "post",
  path: "/v1/admin/users/{id}/disable",
  tags: ["Administration"],
  summary: "Disable a user: login is refused and every session of theirs ends",
  security: [{ bearer: [] }],
  middleware: [adminOnly] as const,
  request: { params: publicIdParams },
  responses: {
    200: { description: "Disabled", content: { "application/json": { schema: adminUserResponseSchema } } },
    ...adminErrors,
    404: pingError("No such user"),
  },
});

const enableUserRoute = route({
  method: "post",
  path: "/v1/admin/users/{id}/enable",
  tags: ["Administration"],
  summary: "Re-enable a disabled user: they may log in again; sessions from before stay ended",
  description: "Enabling a user who is already active changes nothing and answers 200 with the user.",
  security: [{ bearer: [] }],
  middleware: [adminOnly] as const,
  request: { params: publicIdParams },
  responses: {
    200: { description: "Active", content: { "application/json": { schema: adminUserResponseSchema } } },
    ...adminErrors,
    404: pingError("No such user"),
  },
});

const resetPasswordRoute = route({
  method: "post",
  path: "/v1/admin/users/{id}/password",
  tags: ["Administration"],
  summary: "Set a user's password: every session of theirs ends, and they log in again with it",
  description:
    "Password: 12 to 1024 characters. Any user, other admins included; not the caller (400: use " +
    "`POST /v1/me/password`). A disabled user stays disabled.",
  security: [{ bearer: [] }],
  middleware: [adminOnly, jsonBody] as const,
  request: {
    params: publicIdParams,
    body: { required: true, content: { "application/json": { schema: resetPasswordRequestSchema } } },
  },
  responses: {
    200: { description: "Password set", content: { "application/json": { schema: adminUserResponseSchema } } },
    ...adminErrors,
    404: pingError("No such user"),
    415: pingError("Not JSON"),
  },
});

export const adminAccountRoutes = router
  .openapi(createBusinessRoute, async (c) => {
    const business = await createBusiness(c.get("deps"), actorOf(c), c.req.valid("json"));
    return c.json({ result: "success" as const, business: toBusinessView(business) }, 201);
  })
  .openapi(listBusinessesRoute, async (c) => {
    const page = await findBusinesses(c.get("deps"), toPageRequest(c.req.valid("query")));
    return c.json(
      { result: "success" as const, businesses: page.items.map(toBusinessView), next_cursor: nextCursorOf(page) },
      200,
    );
  })
  .openapi(updateBusinessRoute, async (c) => {
    const business = await changeBusiness(c.get("deps"), actorOf(c), c.req.valid("param").id, c.req.valid("json"));
    return c.json({ result: "success" as const, business: toBusinessView(business) }, 200);
  })
  .openapi(createUserRoute, async (c) => {
    const { user, memberships } = await createUserAccount(
      c.get("deps"),
      actorOf(c),
      newUserRequestOf(c.req.valid("json")),
    );
    return c.json({ result: "success" as const, user: toAdminUserView(user, memberships) }, 201);
  })
  .openapi(listUsersRoute, async (c) => {
    const query = c.req.valid("query");
    const page = await findUsers(c.get("deps"), { userType: query.user_type }, toPageRequest(query));
    return c.json(
      {
        result: "success" as const,
        users: page.items.map((user) => toAdminUserView(user)),
        next_cursor: nextCursorOf(page),
      },
      200,
    );
  })
  .openapi(disableUserRoute, async (c) => {
    const { user, memberships } = await disableUser(c.get("deps"), actorOf(c), c.req.valid("param").id);
    return c.json({ result: "success" as const, user: toAdminUserView(user, memberships) }, 200);
  })
  .openapi(enableUserRoute, async (c) => {
    const { user, memberships } = await enableUser(c.get("deps"), actorOf(c), c.req.valid("param").id);
    return c.json({ result: "success" as const, user: toAdminUserView(user, memberships) }, 200);
  })
  .openapi(resetPasswordRoute, async (c) => {
    const { id } = c.req.valid("param");
    const { user, memberships } = await resetUserPassword(c.get("deps"), actorOf(c), id, c.req.valid("json").password);
    return c.json({ result: "success" as const, user: toAdminUserView(user, memberships) }, 200);
  });
