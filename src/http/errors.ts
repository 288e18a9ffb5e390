import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { AppError, type Challenge } from "../errors";
import type { AppEnv, Dialect } from "./context";

const REALM = 'realm="gatehouse"';

/**
 * The credential a dialect's 401 asks for when the error names none: its routes' usual one. PERS
 * routes authenticate by their project key; the tokens they take travel in the body.
 */
const DIALECT_CHALLENGE: Record<Dialect, Challenge> = {
  ping: "bearer",
  pingpage: "session",
  pers: "api_key",
  gateway: "bearer",
};

/** 401s where no credential was presented (or none was at fault): the challenge carries no error. */
const NO_CREDENTIAL_AT_FAULT = new Set(["missing_credentials", "missing_project_key", "invalid_credentials"]);

/**
 * The challenge of a 401 or 403. Every 401 carries one (RFC 9110 §15.5.2): the error's own, else
 * the dialect's. RFC 6750 §3: no error attribute when credentials were simply absent, nor for a
 * PERS body token refused beside a good project key.
 */
function challengeHeader(dialect: Dialect, error: AppError): string | undefined {
  const implicit = error.status === 401 ? DIALECT_CHALLENGE[dialect] : undefined;
  const challenge = error.options.challenge ?? implicit;
  if (!challenge) return undefined;
  const scheme = challenge === "bearer" ? "Bearer" : challenge === "api_key" ? "ApiKey" : "Session";
  const keyNotAtFault = dialect === "pers" && !error.options.challenge && error.code !== "invalid_project_key";
  if (NO_CREDENTIAL_AT_FAULT.has(error.code) || keyNotAtFault) return `${scheme} ${REALM}`;
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

/** Bad input PingPage's clients know only as 400; the plain-text message still says which. */
const PINGPAGE_BAD_INPUT = new Set(["payload_too_large", "request_header_too_large", "unsupported_media_type"]);

/**
 * PingPage's contract knows 400 for every kind of bad input (SPEC §2.2; its document lists 400,
 * 401 and 409 only), so an oversized body or header and a body that is not JSON are 400 there.
 * Every other dialect keeps the precise status (413, 431, 415).
 */
function statusFor(dialect: Dialect, error: AppError): number {
  if (dialect === "pingpage" && PINGPAGE_BAD_INPUT.has(error.code)) return 400;
  return error.status;
}

/** Turns an `AppError` into the wire format of the route's dialect. */
export function renderError(dialect: Dialect, error: AppError): Response {
  const { text, contentType } = bodyFor(dialect, error);
  const headers = new Headers({ "Content-Type": contentType, "Cache-Control": "no-store" });
  const challenge = challengeHeader(dialect, error);
  if (challenge) headers.set("WWW-Authenticate", challenge);
  if (error.options.retryAfterSeconds !== undefined) {
    headers.set("Retry-After", String(error.options.retryAfterSeconds));
  }
  if (error.options.allow) headers.set("Allow", error.options.allow.join(", "));
  return new Response(text, { status: statusFor(dialect, error), headers });
}

/**
 * The `AppError` a thrown value stands for. A storage adapter's `service_unavailable` reaches here
 * wrapped by drizzle (a `DrizzleQueryError` whose `cause` it is), so causes are followed a few
 * levels down; anything else unknown is an `internal_error`.
 */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const unavailable = unavailableCauseOf(err);
  if (unavailable) return unavailable;
  if (err instanceof HTTPException) {
    if (err.status === 413) return new AppError("payload_too_large");
    if (err.status === 404) return new AppError("not_found");
    if (err.status < 500) return new AppError("invalid_request", { detail: err.message });
  }
  return new AppError("internal_error", { detail: detailOf(err) });
}

/**
 * What a 500's log line says of the error. drizzle's query errors carry the query's parameters
 * after `params:` (password and token hashes, emails): the statement and the cause are kept, the
 * parameters never logged.
 */
function detailOf(err: unknown): string {
  if (!(err instanceof Error)) return "unknown";
  const message = err.message.split("\nparams:")[0];
  const cause = err.cause instanceof Error ? ` (cause: ${err.cause.message})` : "";
  return `${err.name}: ${message}${cause}`;
}

function unavailableCauseOf(err: unknown): AppError | undefined {
  let cause = err instanceof Error ? err.cause : undefined;
  for (let depth = 0; depth < 3 && cause !== undefined; depth++) {
    if (cause instanceof AppError) return cause.code === "service_unavailable" ? cause : undefined;
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  return undefined;
}

/**
 * Logs what an operator must see: every 500, every failed dependency as one
 * `dependency_unavailable` line naming it, and every origin that failed a forward (502, 504) as a
 * line named by its code, with the route and the cause. The detail is the adapter's own wording
 * (the binding's or the runtime's error message), never a query's parameters or a credential.
 */
export function logServerError(error: AppError, requestId: string | undefined): void {
  if (error.code === "service_unavailable") {
    const { dependency, detail } = error.options;
    console.error(JSON.stringify({ level: "error", event: "dependency_unavailable", dependency, requestId, detail }));
  } else if (error.code === "upstream_unavailable" || error.code === "upstream_timeout") {
    console.error(JSON.stringify({ level: "error", event: error.code, requestId, detail: error.options.detail }));
  } else if (error.code === "internal_error") {
    console.error(JSON.stringify({ level: "error", requestId, code: error.code, detail: error.options.detail }));
  }
}

/** The one place a thrown error becomes an HTTP response. No stack trace ever leaves. */
export function handleError(err: unknown, c: Context<AppEnv>): Response {
  const error = toAppError(err);
  logServerError(error, c.get("requestId"));
  return renderError(c.get("dialect") ?? "gateway", error);
}
