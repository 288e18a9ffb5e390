import { z } from "@hono/zod-openapi";
import { MAX_EXTERNAL_TOKEN_LENGTH } from "../../crypto/external-jwt";
import { PERS_AUTH_TYPES } from "../../domain";
import { jsonDepth } from "../json-depth";
import { nonEmptyFieldString } from "./field-string";

/** Bounds of `rawLoginData`: it is stored as-is with the anonymous user. */
export const RAW_LOGIN_DATA_MAX_BYTES = 2048;
export const RAW_LOGIN_DATA_MAX_DEPTH = 4;

const rawLoginDataSchema = z
  .record(z.string(), z.unknown())
  .superRefine((data, ctx) => {
    if (new TextEncoder().encode(JSON.stringify(data)).byteLength > RAW_LOGIN_DATA_MAX_BYTES) {
      ctx.addIssue({ code: "custom", message: `must be at most ${RAW_LOGIN_DATA_MAX_BYTES} bytes as JSON` });
    } else if (jsonDepth(data, RAW_LOGIN_DATA_MAX_DEPTH) > RAW_LOGIN_DATA_MAX_DEPTH) {
      ctx.addIssue({ code: "custom", message: `must be nested at most ${RAW_LOGIN_DATA_MAX_DEPTH} levels deep` });
    }
  })
  .openapi({ example: { someKey: "someValue" } });

export const persAuthTypeSchema = z.enum(PERS_AUTH_TYPES).openapi({
  description:
    "user: an end user of the tenant (always allowed). tenant: an admin session, only for identities on the " +
    "tenant's admin list. business: a business (merchant, organisation) acting in the tenant's programme. " +
    "system: a machine identity of the tenant's own backend. external: a third-party application integrated " +
    "with the tenant. business, system and external are refused unless the tenant enables them.",
  example: "user",
});

/** An optional field a client may also send as `null` (many serialisers write unset fields so). */
const absentOrNull = <T extends z.ZodType>(schema: T) => schema.nullish().transform((value) => value ?? undefined);

export const tokenExchangeRequestSchema = z
  .object({
    authToken: absentOrNull(nonEmptyFieldString(MAX_EXTERNAL_TOKEN_LENGTH)).openapi({
      description: "A JWT from an identity provider the tenant trusts.",
      example: "eyJ0eXAiOiJKV1Qi...",
    }),
    authType: absentOrNull(persAuthTypeSchema)
      .transform((authType) => authType ?? "user")
      .openapi({ default: "user" }),
    rawLoginData: absentOrNull(rawLoginDataSchema).openapi({
      description:
        "Only when the tenant allows unauthenticated users: creates an anonymous user and session " +
        "instead of verifying a token (at most 2 KiB as JSON, 4 levels deep).",
    }),
  })
  .refine((body) => body.authToken !== undefined || body.rawLoginData !== undefined, {
    message: "authToken or rawLoginData is required",
    path: ["authToken"],
  })
  .openapi("TokenExchangeRequest");

export const persTokenPairSchema = z
  .object({ accessToken: z.string(), refreshToken: z.string() })
  .openapi("PersTokenPair");

export const persRefreshRequestSchema = z
  .object({ refreshToken: nonEmptyFieldString(4096) })
  .openapi("PersRefreshRequest");

export const persVerifyRequestSchema = z
  .object({
    authToken: z.unknown().openapi({
      type: "string",
      description:
        "Any value: a non-string, empty or oversized token is answered `valid: false` (a missing one is a 400).",
      example: "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9...",
    }),
  })
  .openapi("PersVerifyRequest");

export const persVerifyResponseSchema = z
  .union([
    z.object({
      valid: z.literal(true),
      payload: z.record(z.string(), z.unknown()),
      errorMessage: z.string().openapi({ description: "Empty when the token is valid", example: "" }),
      tokenType: z.enum(["access", "refresh"]),
    }),
    z.object({
      valid: z.literal(false),
      payload: z.null(),
      errorMessage: z.string().openapi({ example: "Invalid token" }),
      reason: z.string().openapi({
        description:
          "malformed, unsupported_token, bad_signature, expired, not_yet_valid, invalid_claims, wrong_tenant, revoked, rotated",
      }),
    }),
  ])
  .openapi("PersVerifyResponse");

export const persErrorSchema = z
  .object({ error: z.string(), message: z.string(), reason: z.string().optional() })
  .openapi("PersError");
