import { z } from "@hono/zod-openapi";
import { DEPENDENCY_RETRY_AFTER_SECONDS, errorCatalog } from "../errors";
import { gatewayErrorSchema } from "./schemas/api-keys";
import { persErrorSchema } from "./schemas/pers";
import { pingErrorSchema } from "./schemas/ping";

/**
 * How each dialect's errors are described in `/openapi.json`, next to the one place that renders
 * them (`http/errors.ts`): one helper per dialect, so a route documents an error in the words its
 * clients will actually receive.
 */
const json = (schema: z.ZodType) => ({ "application/json": { schema } });
const plainText = {
  "text/plain": { schema: z.string().openapi({ example: "The session is invalid or has expired." }) },
};

/** Ping: `{result: "error", message, code}` JSON. */
export const pingError = (description: string) => ({ description, content: json(pingErrorSchema) });

/** PingPage: the message alone, as plain text (its seed). */
export const pingPageError = (description: string) => ({ description, content: plainText });

/** PERS: `{error, message}` JSON. */
export const persError = (description: string) => ({ description, content: json(persErrorSchema) });

/** The gateway and `/v1/auth/api-key`: `{error, message, reason?}` JSON. */
export const gatewayError = (description: string) => ({ description, content: json(gatewayErrorSchema) });

/**
 * `/v1/auth/login`, `/v1/auth/logout` and `/v1/me/password`: Ping JSON for the token flow, plain
 * text for the cookie flow.
 */
export const pingOrPingPageError = (description: string) => ({
  description,
  content: { ...json(pingErrorSchema), ...plainText },
});

/**
 * 503 `service_unavailable`: D1, KV, a rate limiter that fails closed or a provider's JWKS did not
 * answer (docs/resilience.md). Every dialect sends it with `Retry-After`; the body is the dialect's
 * usual error, with the values `renderError` writes as its example. Plain OpenAPI, so that the
 * gateway's routes, added to the document at run time, declare the same.
 */
export const unavailableResponse = {
  description:
    "A dependency (D1, KV, a rate limiter or an identity provider's JWKS) could not answer. " +
    "Try again after `Retry-After` seconds",
  headers: {
    "Retry-After": {
      description: "Seconds to wait before trying again",
      required: true,
      schema: { type: "integer" as const, minimum: 1, example: DEPENDENCY_RETRY_AFTER_SECONDS },
    },
  },
};

const UNAVAILABLE_MESSAGE = errorCatalog.service_unavailable.message;

/** The body of a PERS or gateway 503. */
export const unavailableErrorExample = { error: "service_unavailable", message: UNAVAILABLE_MESSAGE };

const pingUnavailableJson = {
  "application/json": {
    schema: pingErrorSchema,
    example: { result: "error", message: UNAVAILABLE_MESSAGE, code: "service_unavailable" },
  },
};
const unavailableText = { "text/plain": { schema: z.string(), example: UNAVAILABLE_MESSAGE } };

/** 503 in Ping JSON. */
export const pingUnavailable = { ...unavailableResponse, content: pingUnavailableJson };

/** 503 in PingPage's plain text. */
export const pingPageUnavailable = { ...unavailableResponse, content: unavailableText };

/** 503 in PERS JSON. */
export const persUnavailable = {
  ...unavailableResponse,
  content: { "application/json": { schema: persErrorSchema, example: unavailableErrorExample } },
};

/** 503 in the gateway's JSON, as `/v1/auth/api-key` answers it. */
export const gatewayUnavailable = {
  ...unavailableResponse,
  content: { "application/json": { schema: gatewayErrorSchema, example: unavailableErrorExample } },
};

/** 503 of `/v1/auth/login` and `/v1/auth/logout`: Ping JSON for the token flow, plain text for the cookie flow. */
export const pingOrPingPageUnavailable = {
  ...unavailableResponse,
  content: { ...pingUnavailableJson, ...unavailableText },
};

/** Every admin route answers these the same way. */
export const adminErrors = {
  400: pingError("Malformed request"),
  401: pingError("Missing, invalid, expired or revoked access token"),
  403: pingError("The caller is not an `adminuser`"),
  503: pingUnavailable,
};
