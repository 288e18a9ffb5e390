import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { UserPrincipal } from "../domain";
import { clientInfo } from "../http/client-info";
import type { AppEnv } from "../http/context";
import { presentedCredentials } from "../http/credential-headers";
import { presentedDeviceToken, setDeviceCookie } from "../http/device-token";
import { pingOrPingPageError, pingOrPingPageUnavailable } from "../http/openapi-errors";
import { createSurface } from "../http/router";
import {
  credentialsSchema,
  tokenLoginResponseSchema,
  tokenLoginView,
  userTypeHeaderSchema,
} from "../http/schemas/ping";
import { pageUserSchema, pageUserView } from "../http/schemas/pingpage";
import { clearSessionCookie, setSessionCookie } from "../http/session-cookie";
import { authenticate } from "../middleware/authenticate";
import { csrfProtection } from "../middleware/csrf";
import { jsonBody } from "../middleware/json-body";
import { rateLimit } from "../middleware/rate-limit";
import { issueDeviceToken } from "../services/auth/device-tokens";
import { loginWithCookie, logoutCookieSession } from "../services/sessions/cookie-sessions";
import { endSession, loginForTokens } from "../services/sessions/token-sessions";

/**
 * `/v1/auth/login` and `/v1/auth/logout` are shared by two wire contracts. The rule: a request
 * that names a `User-Type` (login) or carries `Authorization` (logout) is Ping's token flow and
 * gets Ping JSON; anything else is PingPage's cookie flow and gets plain-text errors.
 */
const isTokenLogin = (c: Context<AppEnv>) => c.req.header("user-type") !== undefined;
const isTokenLogout = (c: Context<AppEnv>) => c.req.header("authorization") !== undefined;

const login = createSurface((c) => (isTokenLogin(c) ? "ping" : "pingpage"));
const logout = createSurface((c) => (isTokenLogout(c) ? "ping" : "pingpage"));

const loginRoute = login.route({
  method: "post",
  path: "/v1/auth/login",
  tags: ["Ping token login", "PingPage cookie sessions"],
  summary: "Log in with email and password",
  description:
    "With a `User-Type` header: Ping token login, answering with an access/refresh token pair " +
    "(errors in Ping JSON). Without it: PingPage cookie login of a `user` account, answering with " +
    "the user and a `session_token` cookie (errors in plain text; cross-site requests refused).",
  // Every attempt counts against the client IP before anything else; the per-account limits
  // follow in the service, once the email is known. Only the cookie flow is CSRF-checked: the
  // token flow sends no ambient credential.
  middleware: [rateLimit("login_ip"), csrfProtection({ skip: isTokenLogin }), jsonBody] as const,
  request: {
    headers: z.object({ "user-type": userTypeHeaderSchema.optional() }),
    body: { required: true, content: { "application/json": { schema: credentialsSchema } } },
  },
  responses: {
    200: {
      description:
        "Logged in: Ping's token pair, or (cookie flow) PingPage's user with `Set-Cookie: session_token=…`. " +
        "Both flows also set the `gatehouse_device` cookie: sent back (as the cookie or in `Gatehouse-Device-Token`), " +
        "it exempts this client's later logins from the account-wide failure limit",
      content: { "application/json": { schema: z.union([tokenLoginResponseSchema, pageUserSchema]) } },
    },
    400: pingOrPingPageError("Malformed request"),
    401: pingOrPingPageError("Wrong email, password or user type (indistinguishable)"),
    403: pingOrPingPageError("Cross-site request refused (cookie flow)"),
    415: pingOrPingPageError("Not JSON (token flow; the cookie flow answers 400)"),
    429: pingOrPingPageError("Too many attempts from this client or for this account; see `Retry-After`"),
    503: pingOrPingPageUnavailable,
  },
});

const logoutRoute = logout.route({
  method: "post",
  path: "/v1/auth/logout",
  tags: ["Ping token login", "PingPage cookie sessions"],
  summary: "End the current session",
  description:
    "With `Authorization: Bearer`: ends the token session, so its access and refresh tokens stop working. " +
    "Without it: ends the session of the `session_token` cookie and clears the cookie; idempotent, so " +
    "a missing, unknown or already-ended cookie is also 204.",
  // A bearer token, when sent, must be good (`User-Type` optional here); without one this is the
  // cookie flow, which is idempotent.
  middleware: [
    csrfProtection({ skip: isTokenLogout }),
    authenticate({ accept: ["bearer"], userTypeRequired: false, optional: true }),
  ] as const,
  responses: {
    204: { description: "Session ended (cookie flow: cookie cleared with `Max-Age=0`)" },
    401: pingOrPingPageError("No valid credential (token flow)"),
    403: pingOrPingPageError("Cross-site request refused (cookie flow)"),
    503: pingOrPingPageUnavailable,
  },
});

export const loginRoutes = login.router
  .openapi(loginRoute, async (c) => {
    const { email, password } = c.req.valid("json");
    const userType = c.req.valid("header")["user-type"];
    const deps = c.get("deps");
    const attempt = { email, password, client: clientInfo(c.req), deviceToken: presentedDeviceToken(c) };
    if (!userType) {
      const result = await loginWithCookie(deps, attempt);
      setSessionCookie(c, result.cookieValue);
      setDeviceCookie(c, await issueDeviceToken(deps, result.user.publicId));
      return c.json(pageUserView(result.user), 200);
    }
    const login = await loginForTokens(deps, { ...attempt, userType });
    setDeviceCookie(c, await issueDeviceToken(deps, login.user.publicId));
    return c.json(tokenLoginView(login), 200);
  })
  .openapi(logoutRoute, async (c) => {
    const principal: UserPrincipal | undefined = c.get("principal");
    if (principal) {
      await endSession(c.get("deps"), principal, clientInfo(c.req));
      return c.body(null, 204);
    }
    await logoutCookieSession(c.get("deps"), presentedCredentials(c.req).sessionCookie, clientInfo(c.req));
    clearSessionCookie(c);
    return c.body(null, 204);
  });
