import type { Context } from "hono";
import { clientInfo } from "../http/client-info";
import type { AppEnv } from "../http/context";
import { presentedDeviceToken } from "../http/device-token";
import { pingOrPingPageError, pingOrPingPageUnavailable } from "../http/openapi-errors";
import { createSurface, schemaMessageHook } from "../http/router";
import { changePasswordRequestSchema } from "../http/schemas/pingpage";
import { authenticate } from "../middleware/authenticate";
import { csrfProtection } from "../middleware/csrf";
import { jsonBody } from "../middleware/json-body";
import { rateLimit } from "../middleware/rate-limit";
import { changeOwnPassword } from "../services/auth/password-change";

/**
 * `/v1/me/password` serves both contracts, as logout does: with `Authorization` it is a Ping
 * client (bearer token and `User-Type`, Ping JSON errors), without it a PingPage client (the
 * session cookie, plain-text errors, cross-site requests refused).
 */
const hasAuthorization = (c: Context<AppEnv>) => c.req.header("authorization") !== undefined;

const { router, route } = createSurface((c) => (hasAuthorization(c) ? "ping" : "pingpage"));

/** Either credential: OpenAPI's list of alternatives. */
const security: Array<Record<string, string[]>> = [{ sessionCookie: [] }, { bearer: [] }];

const changePasswordRoute = route({
  method: "post",
  path: "/v1/me/password",
  tags: ["PingPage cookie sessions", "Ping token login"],
  summary: "Change the caller's own password; every other session of theirs ends",
  description:
    "By the session cookie or a bearer token (any user type). New password: 8 to 128 characters. " +
    "This session stays; every other one of the account ends. A wrong current password counts as a failed login.",
  // The IP limit counts every attempt at a password, as at login; the per-account limits follow in
  // the service, once the account is known. Only the cookie flow is CSRF-checked: a bearer token is
  // no ambient credential.
  middleware: [
    csrfProtection({ skip: hasAuthorization }),
    authenticate({ accept: ["session", "bearer"] }),
    rateLimit("login_ip"),
    jsonBody,
  ] as const,
  security,
  request: { body: { required: true, content: { "application/json": { schema: changePasswordRequestSchema } } } },
  responses: {
    204: { description: "Changed: the new password is the one to log in with" },
    400: pingOrPingPageError("Missing or invalid field (`new_password must be at least 8 characters`…), not JSON"),
    401: pingOrPingPageError("No valid session cookie or access token"),
    403: pingOrPingPageError("The current password is incorrect, or a cross-site request (cookie flow)"),
    415: pingOrPingPageError("Not JSON (bearer flow; the cookie flow answers 400)"),
    429: pingOrPingPageError("Too many attempts from this client or for this account; see `Retry-After`"),
    503: pingOrPingPageUnavailable,
  },
});

export const ownPasswordRoutes = router.openapi(
  changePasswordRoute,
  async (c) => {
    const { current_password, new_password } = c.req.valid("json");
    await changeOwnPassword(c.get("deps"), c.get("principal"), {
      currentPassword: current_password,
      newPassword: new_password,
      client: clientInfo(c.req),
      deviceToken: presentedDeviceToken(c),
    });
    return c.body(null, 204);
  },
  schemaMessageHook,
);
