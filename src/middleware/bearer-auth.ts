import { createMiddleware } from "hono/factory";
import { USER_TYPES, type UserType } from "../domain";
import { AppError } from "../errors";
import type { UserAuthEnv } from "../http/context";
import { authenticateAccessToken } from "../services/sessions/token-sessions";

const BEARER = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/;

export interface BearerAuthOptions {
  /** User types allowed through; all by default. */
  userTypes?: readonly UserType[];
}

/** Reads a bearer token from `Authorization`, or null when there is none (RFC 6750 §2.1). */
export function readBearerToken(header: string | undefined): string | null {
  if (header === undefined) return null;
  const match = BEARER.exec(header.trim());
  if (!match?.[1])
    throw new AppError("invalid_token", { detail: "malformed Authorization header", challenge: "bearer" });
  return match[1];
}

/** What routes behind `bearerAuth` know: the principal is a signed-in user. */
/** Kept as the name bearer-protected routes know their context by. */
export type BearerAuthEnv = UserAuthEnv;

/** Authenticates `Authorization: Bearer <access token>` with the `User-Type` the token was issued for. */
export function bearerAuth(options: BearerAuthOptions = {}) {
  const allowed = options.userTypes ?? USER_TYPES;
  return createMiddleware<BearerAuthEnv>(async (c, next) => {
    const token = readBearerToken(c.req.header("authorization"));
    if (!token) throw new AppError("missing_credentials", { challenge: "bearer" });
    const userType = c.req.header("user-type");
    if (!userType || !USER_TYPES.includes(userType as UserType)) {
      throw new AppError("invalid_token", { detail: "missing or unknown User-Type", challenge: "bearer" });
    }
    const principal = await authenticateAccessToken(c.get("deps"), token, userType as UserType);
    if (!allowed.includes(principal.userType)) {
      throw new AppError("insufficient_permission", { detail: "user type not allowed", challenge: "bearer" });
    }
    c.set("principal", principal);
    await next();
  });
}
