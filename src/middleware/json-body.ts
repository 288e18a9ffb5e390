import { createMiddleware } from "hono/factory";
import { readBoundedBody } from "../bounded-body";
import { decodeUtf8Strict } from "../crypto/utf8";
import { AppError } from "../errors";
import type { AppEnv } from "../http/context";
import { jsonDepth } from "../http/json-depth";
import { holdsUnpairedSurrogate } from "../http/json-text";

/**
 * `application/json`, with at most a UTF-8 charset: no stray spaces, which the route's validator
 * (@hono/zod-openapi) would refuse later as a bare "invalid request".
 */
const JSON_CONTENT_TYPE = /^application\/json(;\s*charset="?utf-8"?)?$/i;
export const MAX_JSON_DEPTH = 8;

/**
 * Guards a JSON route before anything else looks at the body: `Content-Type` must be JSON (415),
 * the body at most `maxBodyBytes` however it is sent (413), valid UTF-8 JSON (400), an object no
 * deeper than `MAX_JSON_DEPTH` (400) whose strings are all text (400: no `\ud800` escape left
 * unpaired). The text is then handed to the route's validator.
 */
export const jsonBody = createMiddleware<AppEnv>(async (c, next) => {
  const contentType = c.req.header("content-type") ?? "";
  if (!JSON_CONTENT_TYPE.test(contentType)) throw new AppError("unsupported_media_type");
  const bytes = await readBoundedBody(c.req.raw, c.get("deps").config.maxBodyBytes);
  if (!bytes) throw new AppError("payload_too_large");
  let text: string;
  let value: unknown;
  try {
    text = decodeUtf8Strict(bytes);
    value = JSON.parse(text);
  } catch {
    throw new AppError("malformed_json");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new AppError("invalid_request", { publicMessage: "The request body must be a JSON object." });
  }
  if (jsonDepth(value, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
    throw new AppError("invalid_request", { publicMessage: "The request body is nested too deeply." });
  }
  if (holdsUnpairedSurrogate(value, MAX_JSON_DEPTH)) {
    throw new AppError("invalid_request", {
      publicMessage: "The request body holds an unpaired UTF-16 surrogate escape (\\ud800-\\udfff), which is not text.",
    });
  }
  // The validator reads the body through Hono's cache; hand it the text we already read.
  // (Hono stores promises there although its type says otherwise.)
  (c.req.bodyCache as Record<string, unknown>).text = Promise.resolve(text);
  await next();
});
