import { createRoute, z } from "@hono/zod-openapi";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { AppError } from "../errors";
import { readBearerToken } from "../middleware/bearer-auth";
import { jsonBody } from "../middleware/json-body";
import { credentialsSchema, pingErrorSchema, tokenLoginResponseSchema, userTypeSchema } from "../schemas/ping";
import { authenticateAccessToken, endSession, loginForTokens } from "../services/ping-auth";
import { USER_TYPES, type UserType } from "../storage/schema";
import { createRouter } from "./router";

/**
 * `/v1/auth/login` and `/v1/auth/logout` are shared by two wire contracts. The rule: a request
 * that names a `User-Type` (login) or carries `Authorization` (logout) is Ping's token flow and
 * gets Ping JSON; anything else is PingPage's cookie flow and gets plain-text errors.
 */
const loginDialect = createMiddleware<AppEnv>(async (c, next) => {
  c.set("dialect", c.req.header("user-type") === undefined ? "pingpage" : "ping");
  await next();
});

const logoutDialect = createMiddleware<AppEnv>(async (c, next) => {
  c.set("dialect", c.req.header("authorization") === undefined ? "pingpage" : "ping");
  await next();
});

const LOGIN_MESSAGE = "You have successfully logged in!";

function clientInfo(headers: { header: (name: string) => string | undefined }) {
  const userAgent = headers.header("user-agent")?.slice(0, 256);
  const ip = headers.header("cf-connecting-ip");
  return { ...(userAgent ? { userAgent } : {}), ...(ip ? { ip } : {}) };
}

const loginRoute = createRoute({
  method: "post",
  path: "/v1/auth/login",
  tags: ["Ping token login"],
  summary: "Log in with email and password",
  description:
    "With a `User-Type` header: Ping token login, answering with an access/refresh token pair. " +
    "Without it: PingPage cookie login, answering with the user and a `session_token` cookie.",
  middleware: [loginDialect, jsonBody] as const,
  request: {
    headers: z.object({ "user-type": userTypeSchema.optional() }),
    body: { required: true, content: { "application/json": { schema: credentialsSchema } } },
  },
  responses: {
    200: { description: "Logged in", content: { "application/json": { schema: tokenLoginResponseSchema } } },
    400: { description: "Malformed request", content: { "application/json": { schema: pingErrorSchema } } },
    401: {
      description: "Wrong email, password or user type (indistinguishable)",
      content: { "application/json": { schema: pingErrorSchema } },
    },
    415: { description: "Not JSON", content: { "application/json": { schema: pingErrorSchema } } },
  },
});

const logoutRoute = createRoute({
  method: "post",
  path: "/v1/auth/logout",
  tags: ["Ping token login"],
  summary: "End the current session",
  description: "With `Authorization: Bearer`: ends the token session, so its access and refresh tokens stop working.",
  middleware: [logoutDialect] as const,
  responses: {
    204: { description: "Session ended" },
    401: { description: "No valid credential", content: { "application/json": { schema: pingErrorSchema } } },
  },
});

export const loginRoutes = createRouter()
  .openapi(loginRoute, async (c) => {
    const { email, password } = c.req.valid("json");
    const userType = c.req.valid("header")["user-type"];
    if (!userType) throw new AppError("invalid_user_type");
    const result = await loginForTokens(c.var.deps, { email, password, userType, client: clientInfo(c.req) });
    return c.json({ result: "success" as const, message: LOGIN_MESSAGE, ...result }, 200);
  })
  .openapi(logoutRoute, async (c) => {
    const token = readBearerToken(c.req.header("authorization"));
    if (!token) throw new AppError("missing_credentials");
    const stated = c.req.header("user-type");
    if (stated !== undefined && !USER_TYPES.includes(stated as UserType)) throw new AppError("invalid_user_type");
    const principal = await authenticateAccessToken(c.var.deps, token, stated as UserType | undefined);
    await endSession(c.var.deps, principal);
    return c.body(null, 204);
  });
