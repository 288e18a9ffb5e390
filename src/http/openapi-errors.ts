import { z } from "@hono/zod-openapi";
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

/** Every admin route answers these the same way. */
export const adminErrors = {
  400: pingError("Malformed request"),
  401: pingError("Missing, invalid, expired or revoked access token"),
  403: pingError("The caller is not an `adminuser`"),
};
