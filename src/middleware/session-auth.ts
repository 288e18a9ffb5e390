import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { USER_TYPES, type UserPrincipal, type UserType } from "../domain";
import { AppError } from "../errors";
import type { AppEnv, UserAuthEnv } from "../http/context";
import { readSessionCookie } from "../http/session-cookie";
import { authenticateCookieSession } from "../services/sessions/cookie-sessions";

export interface SessionAuthOptions {
  /** User types allowed through; all by default. */
  userTypes?: readonly UserType[];
}

/**
 * Authenticates the request's `session_token` cookie as a `{method: "session"}` principal, or
 * throws `missing_credentials` / `invalid_session` (401). For any surface that accepts the
 * cookie as a credential, the gateway included.
 */
export function authenticateSessionCookie<E extends AppEnv>(c: Context<E>): Promise<UserPrincipal> {
  return authenticateCookieSession(c.get("deps"), readSessionCookie(c));
}

/** Requires a live cookie session; puts its principal on `c.get("principal")`. */
export function sessionAuth(options: SessionAuthOptions = {}) {
  const allowed = options.userTypes ?? USER_TYPES;
  return createMiddleware<UserAuthEnv>(async (c, next) => {
    const principal = await authenticateSessionCookie(c);
    if (!allowed.includes(principal.userType)) {
      throw new AppError("insufficient_permission", { detail: "user type not allowed", challenge: "session" });
    }
    c.set("principal", principal);
    await next();
  });
}
