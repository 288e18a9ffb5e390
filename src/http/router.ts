import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../env";
import { AppError } from "../errors";

interface ValidationIssue {
  path: readonly PropertyKey[];
  message: string;
}

type ValidationResult = { success: true } | { success: false; error: { issues: readonly ValidationIssue[] } };

function throwIfInvalid(result: ValidationResult, describe: (issue: ValidationIssue | undefined) => string): void {
  if (result.success) return;
  const message = describe(result.error.issues[0]);
  throw new AppError("invalid_request", { publicMessage: message, detail: `validation: ${message}` });
}

function fieldAndMessage(issue: ValidationIssue | undefined): string {
  const field = issue?.path.map(String).join(".");
  return field ? `Invalid ${field}: ${issue?.message}` : (issue?.message ?? "Invalid request");
}

/**
 * A router whose validation failures become `invalid_request` errors (rendered in the route's
 * dialect) naming the first offending field, never echoing the value.
 */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({ defaultHook: (result) => throwIfInvalid(result, fieldAndMessage) });
}

/**
 * For schemas whose every message already names its field (`email is required`): the first
 * message alone is the plain-text answer.
 */
export function schemaMessageHook(result: ValidationResult): undefined {
  throwIfInvalid(result, (issue) => issue?.message ?? "Invalid request");
  return undefined;
}
