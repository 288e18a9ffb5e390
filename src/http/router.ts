import { createRoute, OpenAPIHono, type RouteConfig } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { createMiddleware } from "hono/factory";
import { AppError } from "../errors";
import type { AppEnv } from "./context";
import { type DialectChoice, dialectFor, speak } from "./dialect";
import { headerLimits } from "./header-limits";
import { gatewayError, persError, pingError, pingOrPingPageError } from "./openapi-errors";

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

/** zod's English message for a field of the wrong type (`received undefined`: an absent one). */
const WRONG_TYPE = /^Invalid input: expected (\w+), received (\w+)$/;

/** The rule a field broke, in the words the schemas' own messages use (`must be a string`). */
function ruleOf(message: string): string {
  const wrongType = WRONG_TYPE.exec(message);
  if (!wrongType) return message;
  const [, expected = "", received] = wrongType;
  if (received === "undefined") return "is required";
  return `must be ${/^[aeiou]/.test(expected) ? "an" : "a"} ${expected}`;
}

function fieldAndMessage(issue: ValidationIssue | undefined): string {
  const field = issue?.path.map(String).join(".");
  if (!field) return issue?.message ?? "Invalid request";
  return `Invalid ${field}: ${ruleOf(issue?.message ?? "")}`;
}

/**
 * A bare router whose validation failures become `invalid_request` errors (rendered in the route's
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

function asArray(middleware: RouteConfig["middleware"]): MiddlewareHandler[] {
  if (middleware === undefined) return [];
  return Array.isArray(middleware) ? middleware : [middleware];
}

type ErrorResponse = (description: string) => RouteConfig["responses"][string];

/**
 * What every route may answer before its own middleware runs (`headerLimits`, the body bound), in
 * its dialect. PingPage answers these as 400 (`http/errors.ts`), which its routes list already; a
 * path shared with it lists them for Ping's flow.
 */
function limitResponses(dialect: DialectChoice, hasBody: boolean) {
  if (dialect === "pingpage") return {};
  const shared = typeof dialect === "function";
  const errorResponse: ErrorResponse = shared
    ? pingOrPingPageError
    : { ping: pingError, pers: persError, gateway: gatewayError }[dialect];
  const flow = shared ? " (token flow; the cookie flow answers 400)" : "";
  return {
    ...(hasBody ? { 413: errorResponse(`The body is larger than \`MAX_BODY_BYTES\`${flow}`) } : {}),
    431: errorResponse(`The request headers are too large${flow}`),
  };
}

/**
 * One surface's routes: a router, and `route()` to declare each of its routes with `createRoute`.
 * Every route declared so speaks the surface's error dialect from its first middleware on, and
 * refuses oversized headers before anything parses them, so a route added under a new
 * prefix can never answer in another surface's dialect.
 */
export function createSurface(dialect: DialectChoice) {
  const first = [speak(dialect), headerLimits];
  function route<P extends string, R extends Omit<RouteConfig, "path"> & { path: P }>(config: R) {
    ownRoutes.push({ method: config.method.toUpperCase(), pattern: patternOf(config.path), dialect });
    anyOwnPath = undefined;
    const responses = { ...limitResponses(dialect, config.request?.body !== undefined), ...config.responses };
    // The added middleware sets no context variable, so the route keeps the type its own
    // middleware gives its handler.
    return createRoute({
      ...config,
      responses,
      middleware: [...first, ...asArray(config.middleware)],
    }) as unknown as ReturnType<typeof createRoute<P, R>>;
  }
  return { router: createRouter(), route };
}

/** Every route declared through a surface: what `refuseOtherMethods` knows of Gatehouse's own paths. */
interface OwnRoute {
  method: string;
  pattern: RegExp;
  dialect: DialectChoice;
}

const ownRoutes: OwnRoute[] = [];
/** All of `ownRoutes`' patterns in one, built at the first request (every surface is declared by then). */
let anyOwnPath: RegExp | undefined;

/** `/v1/api-keys/{id}/roll` → a regex for that path with any single segment as `{id}`. */
function patternOf(openApiPath: string): RegExp {
  const escaped = openApiPath
    .split(/\{[^}]+\}/)
    .map((part) => part.replace(/[.*+?^$()|[\]\\]/g, "\\$&"))
    .join("[^/]+");
  return new RegExp(`^${escaped}$`);
}

/**
 * A request for one of Gatehouse's own paths with a method none of its routes answers is a 405
 * listing the methods that path does answer (RFC 9110 §15.5.6), in that surface's dialect, rather
 * than falling through to the gateway's 404. Mounted after every surface, before the gateway.
 */
export const refuseOtherMethods = createMiddleware<AppEnv>(async (c, next) => {
  // Every gateway request passes here: one test of all paths at once, then the routes one by one.
  anyOwnPath ??= new RegExp(ownRoutes.map((route) => `(?:${route.pattern.source})`).join("|"));
  if (!anyOwnPath.test(c.req.path)) return next();
  const matching = ownRoutes.filter((route) => route.pattern.test(c.req.path));
  const first = matching[0];
  if (!first) return next();
  const allow = new Set(matching.map((route) => route.method));
  if (allow.has("GET")) allow.add("HEAD");
  c.set("dialect", dialectFor(first.dialect, c));
  throw new AppError("method_not_allowed", { detail: `${c.req.method} ${c.req.path}`, allow: [...allow] });
});
