import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { AppEnv, Dialect } from "./env";

/**
 * Every failure Gatehouse reports, with its HTTP status and the generic wording clients see.
 * The wording stays generic on purpose (no "unknown email", no "bad signature"); the precise
 * reason travels in `AppError.detail`, which is logged but never sent.
 */
export const errorCatalog = {
  invalid_request: { status: 400, message: "The request is invalid." },
  malformed_json: { status: 400, message: "The request body is not valid JSON." },
  invalid_user_type: { status: 400, message: "User-Type must be one of user, adminuser or agent." },
  missing_credentials: { status: 401, message: "Authentication is required." },
  invalid_credentials: { status: 401, message: "Invalid email or password." },
  invalid_token: { status: 401, message: "The token is invalid or has expired." },
  session_revoked: { status: 401, message: "The token is invalid or has expired." },
  invalid_session: { status: 401, message: "The session is invalid or has expired." },
  /** Always sent with a `reason`: invalid_format, not_found, revoked or expired. */
  invalid_api_key: { status: 401, message: "The API key is invalid, revoked or expired." },
  insufficient_permission: { status: 403, message: "You do not have permission to do this." },
  cross_site_request: { status: 403, message: "Cross-site request refused." },
  not_found: { status: 404, message: "Not found." },
  method_not_allowed: { status: 405, message: "Method not allowed." },
  email_taken: { status: 409, message: "Email already registered." },
  api_key_inactive: { status: 409, message: "This API key has been revoked, rolled or has expired." },
  missing_project_key: { status: 401, message: "A project key is required (X-API-Key or x-project-key)." },
  invalid_project_key: { status: 401, message: "The project key is invalid." },
  auth_type_not_enabled: { status: 403, message: "This authentication type is not enabled for the project." },
  anonymous_login_disabled: { status: 403, message: "The project does not allow unauthenticated users." },
  identity_provider_exists: {
    status: 409,
    message: "The tenant already trusts an identity provider with this issuer.",
  },
  payload_too_large: { status: 413, message: "The request body is too large." },
  unsupported_media_type: { status: 415, message: "Content-Type must be application/json." },
  rate_limited: { status: 429, message: "Too many requests. Try again later." },
  request_header_too_large: { status: 431, message: "The request headers are too large." },
  internal_error: { status: 500, message: "Something went wrong." },
  upstream_unavailable: { status: 502, message: "The upstream service is unavailable." },
  upstream_timeout: { status: 504, message: "The upstream service did not answer in time." },
} as const;

export type ErrorCode = keyof typeof errorCatalog;

/** Which authentication challenge a 401/403 answers with (RFC 6750 §3 for bearer tokens). */
export type Challenge = "bearer" | "api_key" | "session";

export interface AppErrorOptions {
  /** Why, for logs and tests. Never sent to the client. */
  detail?: string;
  /** Overrides the catalogue's wording when the client needs something specific (validation). */
  publicMessage?: string;
  challenge?: Challenge;
  retryAfterSeconds?: number;
  /** A stable machine-readable sub-reason the client may see (e.g. `revoked` for an API key). */
  reason?: string;
  /** The methods a 405 answer lists in `Allow` (RFC 9110 §15.5.6 requires the header). */
  allow?: readonly string[];
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly options: AppErrorOptions;

  constructor(code: ErrorCode, options: AppErrorOptions = {}) {
    super(options.detail ?? code);
    this.name = "AppError";
    this.code = code;
    this.options = options;
  }

  get status(): number {
    return errorCatalog[this.code].status;
  }

  get publicMessage(): string {
    return this.options.publicMessage ?? errorCatalog[this.code].message;
  }
}

const REALM = 'realm="gatehouse"';

/** RFC 6750 §3: no error attribute when credentials were simply absent. */
function challengeHeader(error: AppError): string | undefined {
  const { challenge } = error.options;
  if (!challenge) return undefined;
  const scheme = challenge === "bearer" ? "Bearer" : challenge === "api_key" ? "ApiKey" : "Session";
  if (error.code === "missing_credentials") return `${scheme} ${REALM}`;
  if (error.code === "insufficient_permission") return `${scheme} ${REALM}, error="insufficient_scope"`;
  if (error.status === 401) return `${scheme} ${REALM}, error="invalid_token"`;
  return undefined;
}

function reasonOf(error: AppError): { reason?: string } {
  return error.options.reason ? { reason: error.options.reason } : {};
}

function bodyFor(dialect: Dialect, error: AppError): { text: string; contentType: string } {
  const message = error.publicMessage;
  switch (dialect) {
    case "pingpage":
      return { text: message, contentType: "text/plain; charset=utf-8" };
    case "ping":
      return {
        text: JSON.stringify({ result: "error", message, code: error.code, ...reasonOf(error) }),
        contentType: "application/json",
      };
    case "pers":
    case "gateway":
      return {
        text: JSON.stringify({ error: error.code, message, ...reasonOf(error) }),
        contentType: "application/json",
      };
  }
}

/**
 * PingPage's contract knows 400 for every kind of bad input (its seed and SPEC §2.2), so an
 * oversized body is a 400 there; the message still says which.
 */
function statusFor(dialect: Dialect, error: AppError): number {
  // PingPage promises 400 for every bad input, an oversized body or header included; a wrong
  // Content-Type stays 415 as on every other route.
  if (dialect === "pingpage" && (error.code === "payload_too_large" || error.code === "request_header_too_large")) {
    return 400;
  }
  return error.status;
}

/** Turns an `AppError` into the wire format of the route's dialect. */
export function renderError(dialect: Dialect, error: AppError): Response {
  const { text, contentType } = bodyFor(dialect, error);
  const headers = new Headers({ "Content-Type": contentType, "Cache-Control": "no-store" });
  const challenge = challengeHeader(error);
  if (challenge) headers.set("WWW-Authenticate", challenge);
  if (error.options.retryAfterSeconds !== undefined) {
    headers.set("Retry-After", String(error.options.retryAfterSeconds));
  }
  if (error.options.allow) headers.set("Allow", error.options.allow.join(", "));
  return new Response(text, { status: statusFor(dialect, error), headers });
}

function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof HTTPException) {
    if (err.status === 413) return new AppError("payload_too_large");
    if (err.status === 404) return new AppError("not_found");
    if (err.status < 500) return new AppError("invalid_request", { detail: err.message });
  }
  return new AppError("internal_error", { detail: err instanceof Error ? `${err.name}: ${err.message}` : "unknown" });
}

/** The one place a thrown error becomes an HTTP response. No stack trace ever leaves. */
export function handleError(err: unknown, c: Context<AppEnv>): Response {
  const error = toAppError(err);
  if (error.code === "internal_error") {
    console.error(
      JSON.stringify({ level: "error", requestId: c.get("requestId"), code: error.code, detail: error.options.detail }),
    );
  }
  return renderError(c.get("dialect") ?? "gateway", error);
}
