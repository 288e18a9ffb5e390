import { clientInfo } from "../http/client-info";
import { pingPageError, pingPageUnavailable } from "../http/openapi-errors";
import { createSurface, schemaMessageHook } from "../http/router";
import { pageUserSchema, pageUserView, registerRequestSchema } from "../http/schemas/pingpage";
import { setSessionCookie } from "../http/session-cookie";
import { authenticate } from "../middleware/authenticate";
import { csrfProtection } from "../middleware/csrf";
import { jsonBody } from "../middleware/json-body";
import { rateLimit } from "../middleware/rate-limit";
import { findProfile, registerWithCookie } from "../services/sessions/cookie-sessions";

const { router, route } = createSurface("pingpage");

const setCookieHeader = {
  "Set-Cookie": {
    description:
      "`session_token=…; Max-Age=2592000; Path=/; HttpOnly; Secure; SameSite=Lax` (`SameSite=None; Secure; " +
      "Partitioned` for a page on a configured origin of another host)",
    schema: { type: "string" as const },
  },
};

const registerRoute = route({
  method: "post",
  path: "/v1/auth/register",
  tags: ["PingPage cookie sessions"],
  summary: "Create a user account and start a cookie session",
  description:
    "Creates a `user` (never an admin or agent). Password: 8 to 128 characters. Email: a valid " +
    "address of at most 254 characters, unique regardless of case. Name: 1 to 100 characters.",
  // Registration answers 409 for a taken email (PingPage's contract), which tells whether an
  // account exists; the per-IP limit keeps that from being used to sweep a list of addresses.
  middleware: [rateLimit("register_ip"), csrfProtection(), jsonBody] as const,
  request: { body: { required: true, content: { "application/json": { schema: registerRequestSchema } } } },
  responses: {
    201: {
      description: "Registered and logged in",
      headers: setCookieHeader,
      content: { "application/json": { schema: pageUserSchema } },
    },
    400: pingPageError("Missing or invalid field, oversized body, not JSON"),
    403: pingPageError("Cross-site request refused"),
    409: pingPageError("Email already registered"),
    429: pingPageError("Too many registrations from this client; see `Retry-After`"),
    503: pingPageUnavailable,
  },
});

const meRoute = route({
  method: "get",
  path: "/v1/me",
  tags: ["PingPage cookie sessions"],
  summary: "The logged-in user's profile",
  security: [{ sessionCookie: [] }],
  middleware: [authenticate({ accept: ["session"] })] as const,
  responses: {
    200: { description: "The user", content: { "application/json": { schema: pageUserSchema } } },
    401: pingPageError("Missing, malformed, forged, expired or revoked session cookie"),
    503: pingPageUnavailable,
  },
});

export const pingPageRoutes = router
  .openapi(
    registerRoute,
    async (c) => {
      const { email, password, name } = c.req.valid("json");
      const result = await registerWithCookie(c.get("deps"), { email, password, name, client: clientInfo(c.req) });
      setSessionCookie(c, result.cookieValue);
      return c.json(pageUserView(result.user), 201);
    },
    schemaMessageHook,
  )
  .openapi(meRoute, async (c) => c.json(pageUserView(await findProfile(c.get("deps"), c.get("principal"))), 200));
