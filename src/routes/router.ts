import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../env";
import { AppError } from "../errors";

/**
 * A router whose validation failures become `invalid_request` errors (rendered in the route's
 * dialect) naming the first offending field, never echoing the value.
 */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (result.success) return;
      const issue = result.error.issues[0];
      const field = issue?.path.join(".");
      const message = field ? `Invalid ${field}: ${issue?.message}` : (issue?.message ?? "Invalid request");
      throw new AppError("invalid_request", { publicMessage: message, detail: `validation: ${message}` });
    },
  });
}
