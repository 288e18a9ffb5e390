import { z } from "@hono/zod-openapi";
import { USER_TYPES } from "../../domain";
import type { TokenLogin } from "../../services/sessions/token-sessions";
import { fieldString, nonEmptyFieldString } from "./field-string";

export const userTypeSchema = z.enum(USER_TYPES).openapi({ example: "user" });

/**
 * The `User-Type` header. Whitespace around a field value is not part of it (RFC 9110 §5.5), and
 * an HTTP parser may hand a trailing space or tab on.
 */
export const userTypeHeaderSchema = z
  .string()
  .trim()
  .pipe(userTypeSchema)
  .openapi({ enum: [...USER_TYPES], example: "user" });

/** Token strings are bounded long before a parser sees them. */
export const tokenStringSchema = z.string().min(1).max(4096);

export const credentialsSchema = z
  .object({
    email: fieldString()
      .trim()
      .min(1, { error: "must not be empty" })
      .max(320, { error: "must be at most 320 characters" })
      .openapi({ example: "ursula@example.com" }),
    password: nonEmptyFieldString(1024).openapi({ example: "user-password-1" }),
  })
  .openapi("Credentials");

export const tokenLoginResponseSchema = z
  .object({
    result: z.literal("success"),
    message: z.string().openapi({ example: "You have successfully logged in!" }),
    accessToken: z.string(),
    refreshToken: z.string(),
    user: z.object({
      public_id: z.string(),
      first_name: z.string(),
      last_name: z.string(),
      email_address: z.string(),
      phone_number: z.string().openapi({ description: "Empty when the account has no phone number" }),
    }),
    businesses: z.array(
      z.object({ id: z.number().int(), public_id: z.string(), name: z.string(), status: z.string() }),
    ),
  })
  .openapi("TokenLoginResponse");

export type TokenLoginResponse = z.infer<typeof tokenLoginResponseSchema>;

export const LOGIN_MESSAGE = "You have successfully logged in!";

/** Ping's login answer, field for field as its document shows it. */
export function tokenLoginView(login: TokenLogin): TokenLoginResponse {
  const { user } = login;
  return {
    result: "success",
    message: LOGIN_MESSAGE,
    accessToken: login.accessToken,
    refreshToken: login.refreshToken,
    user: {
      public_id: user.publicId,
      first_name: user.firstName,
      last_name: user.lastName,
      email_address: user.email,
      phone_number: user.phoneNumber ?? "",
    },
    businesses: login.businesses.map((business) => ({
      id: business.id,
      public_id: business.publicId,
      name: business.name,
      status: business.status,
    })),
  };
}

export const refreshRequestSchema = z
  .object({ refreshToken: tokenStringSchema, userType: userTypeSchema })
  .openapi("RefreshRequest");

export const refreshResponseSchema = z
  .object({ result: z.literal("success"), accessToken: z.string() })
  .openapi("RefreshResponse");

export const pingErrorSchema = z
  .object({ result: z.literal("error"), message: z.string(), code: z.string() })
  .openapi("PingError");

export const sessionInfoSchema = z
  .object({
    result: z.literal("success"),
    session: z.object({
      session_id: z.string(),
      public_id: z.string(),
      user_type: userTypeSchema,
      auth_method: z.enum(["jwt", "session"]),
    }),
  })
  .openapi("SessionInfo");
