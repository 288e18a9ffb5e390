import { z } from "@hono/zod-openapi";
import type { UserRow } from "../../storage/schema";
import type { SessionRecord } from "../../storage/session-store";
import { DISPLAYABLE_TEXT, UNDISPLAYABLE_TEXT_MESSAGE } from "./field-string";

/** Registration's password policy: 8 to 128 characters, nothing else imposed (NIST SP 800-63B §3.1.1.2). */
export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;
/** RFC 5321's practical limit on an address. */
export const EMAIL_MAX_LENGTH = 254;
export const NAME_MAX_LENGTH = 100;

/** Each message is the whole plain-text answer, so it names the field and the rule. */
function requiredString(field: string) {
  return z.string({
    error: (issue) => (issue.input === undefined ? `${field} is required` : `${field} must be a string`),
  });
}

/** Registration's password rule, under the name of the field that carries it. */
function newPasswordSchema(field: string) {
  return requiredString(field)
    .min(PASSWORD_MIN_LENGTH, { error: `${field} must be at least ${PASSWORD_MIN_LENGTH} characters` })
    .max(PASSWORD_MAX_LENGTH, { error: `${field} must be at most ${PASSWORD_MAX_LENGTH} characters` });
}

/** What a login accepts as a password (`credentialsSchema`), so any password that logs in can be given. */
const CURRENT_PASSWORD_MAX_LENGTH = 1024;

const emailSchema = requiredString("email")
  .trim()
  .max(EMAIL_MAX_LENGTH, { error: `email must be at most ${EMAIL_MAX_LENGTH} characters` })
  .email({ error: "email must be a valid email address" })
  .openapi({ example: "user@example.com" });

export const registerRequestSchema = z
  .object({
    email: emailSchema,
    password: newPasswordSchema("password").openapi({ example: "secure_password" }),
    name: requiredString("name")
      .trim()
      .min(1, { error: "name must not be empty" })
      .max(NAME_MAX_LENGTH, { error: `name must be at most ${NAME_MAX_LENGTH} characters` })
      .regex(DISPLAYABLE_TEXT, { error: `name ${UNDISPLAYABLE_TEXT_MESSAGE}` })
      .openapi({ example: "John Doe" }),
  })
  .openapi("RegisterRequest");

export const changePasswordRequestSchema = z
  .object({
    current_password: requiredString("current_password")
      .min(1, { error: "current_password must not be empty" })
      .max(CURRENT_PASSWORD_MAX_LENGTH, {
        error: `current_password must be at most ${CURRENT_PASSWORD_MAX_LENGTH} characters`,
      })
      .openapi({ example: "secure_password" }),
    new_password: newPasswordSchema("new_password").openapi({ example: "a-new-secure-password" }),
  })
  .openapi("ChangePasswordRequest");

export const pageUserSchema = z
  .object({
    id: z.string().openapi({ example: "00000000-0000-4000-8000-0000000000b1" }),
    email: z.string().openapi({ example: "user@example.com" }),
    name: z.string().openapi({ example: "John Doe" }),
    created_at: z.string().openapi({ example: "2026-02-20T10:30:00Z" }),
    updated_at: z.string().openapi({ example: "2026-02-20T10:30:00Z" }),
  })
  .openapi("PageUser");

export type PageUser = z.infer<typeof pageUserSchema>;

/** PingPage's timestamps: ISO-8601 UTC to the second (`2026-02-20T10:30:00Z`). */
export function isoSeconds(date: Date | number): string {
  return new Date(date).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** PingPage's user: `{id, email, name, created_at, updated_at}`. */
export function pageUserView(user: UserRow): PageUser {
  return {
    id: user.publicId,
    email: user.email,
    name: user.displayName,
    created_at: isoSeconds(user.createdAt),
    updated_at: isoSeconds(user.updatedAt),
  };
}

/** Shape of a session id (128 random bits, base64url). */
export const sessionIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{22}$/, { error: "id is not a session id" })
  .openapi({ param: { name: "id", in: "path" }, example: "3q2-7wAAAAAAAAAAAAAAAA" });

export const ownSessionSchema = z
  .object({
    id: z.string(),
    kind: z.enum(["token", "cookie", "dashboard"]).openapi({ description: "`dashboard`: a /dashboard sign-in" }),
    created_at: z.string().openapi({ example: "2026-02-20T10:30:00Z" }),
    expires_at: z.string().openapi({ example: "2026-03-22T10:30:00Z" }),
    user_agent: z.string().nullable(),
    ip: z.string().nullable(),
    current: z.boolean().openapi({ description: "Whether this is the session making the request" }),
  })
  .openapi("OwnSession");

export type OwnSession = z.infer<typeof ownSessionSchema>;

/** One of the caller's sessions as their session list shows it. */
export function ownSessionView(record: SessionRecord, currentSessionId: string): OwnSession {
  return {
    id: record.id,
    kind: record.kind,
    created_at: isoSeconds(record.createdAt),
    expires_at: isoSeconds(record.expiresAt),
    user_agent: record.userAgent ?? null,
    ip: record.ip ?? null,
    current: record.id === currentSessionId,
  };
}

export const ownSessionListSchema = z.object({ sessions: z.array(ownSessionSchema) }).openapi("OwnSessionList");

export const revokedCountSchema = z.object({ revoked: z.number().int() }).openapi("RevokedSessions");
