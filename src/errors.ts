/**
 * Every failure Gatehouse reports, with its HTTP status and the generic wording clients see.
 * The wording stays generic on purpose (no "unknown email", no "bad signature"); the precise
 * reason travels in `AppError.detail`, which is logged but never sent.
 */
export const errorCatalog = {
  invalid_request: { status: 400, message: "The request is invalid." },
  ambiguous_path: { status: 400, message: "The request path is ambiguous." },
  malformed_json: { status: 400, message: "The request body is not valid JSON." },
  invalid_user_type: { status: 400, message: "User-Type must be one of user, adminuser or agent." },
  missing_user_type: { status: 401, message: "A bearer token must be sent with its User-Type header." },
  missing_credentials: { status: 401, message: "Authentication is required." },
  invalid_credentials: { status: 401, message: "Invalid email or password." },
  invalid_token: { status: 401, message: "The token is invalid or has expired." },
  session_revoked: { status: 401, message: "The token is invalid or has expired." },
  invalid_session: { status: 401, message: "The session is invalid or has expired." },
  /** Always sent with a `reason`: invalid_format, not_found, revoked or expired. */
  invalid_api_key: { status: 401, message: "The API key is invalid, revoked or expired." },
  insufficient_permission: { status: 403, message: "You do not have permission to do this." },
  cross_site_request: { status: 403, message: "Cross-site request refused." },
  /**
   * A signed-in caller's re-authentication failed (changing their password). Not a 401: the
   * session or token is fine, and a 401 would tell the client to drop it and sign in again.
   */
  invalid_current_password: { status: 403, message: "The current password is incorrect." },
  not_found: { status: 404, message: "Not found." },
  method_not_allowed: { status: 405, message: "Method not allowed." },
  email_taken: { status: 409, message: "Email already registered." },
  last_owner: { status: 409, message: "A business must keep at least one owner." },
  already_member: { status: 409, message: "This user is already a member of the business." },
  member_changed: { status: 409, message: "The member's role changed meanwhile; read it again." },
  /** PERS: the tenant's providers or settings changed while an exchange ran; a retry meets the new ones. */
  authorization_changed: { status: 409, message: "The project's sign-in settings changed meanwhile; try again." },
  api_key_inactive: { status: 409, message: "This API key has been revoked, rolled or has expired." },
  /** A suspended business's keys are all refused, so a new one would be refused from its first use. */
  business_suspended: {
    status: 409,
    message: "The business is suspended: its API keys are refused until an admin verifies it again.",
  },
  missing_project_key: { status: 401, message: "A project key is required (X-API-Key or x-project-key)." },
  invalid_project_key: { status: 401, message: "The project key is invalid." },
  auth_type_not_enabled: { status: 403, message: "This authentication type is not enabled for the project." },
  anonymous_login_disabled: { status: 403, message: "The project does not allow unauthenticated users." },
  /** PERS: an operator disabled this tenant user. The identity token itself was good. */
  user_disabled: { status: 403, message: "This user has been disabled for the project." },
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
  /** Always sent with `retryAfterSeconds` and the `dependency` that failed (logged, never sent). */
  service_unavailable: {
    status: 503,
    message: "A service Gatehouse depends on is unavailable. Try again shortly.",
  },
} as const;

export type ErrorCode = keyof typeof errorCatalog;

/** Which authentication challenge a 401/403 answers with (RFC 6750 §3 for bearer tokens). */
export type Challenge = "bearer" | "api_key" | "session";

/** What Gatehouse itself depends on, as a `service_unavailable` error names it in the log. */
export type Dependency = "d1" | "kv" | "cache" | "rate_limiter" | "jwks";

export interface AppErrorOptions {
  /** Why, for logs and tests. Never sent to the client. */
  detail?: string;
  /** Overrides the catalogue's wording when the client needs something specific (validation). */
  publicMessage?: string;
  /** The request field a refusal is about, so a form can show it beside that field. */
  field?: string;
  challenge?: Challenge;
  retryAfterSeconds?: number;
  /** A stable machine-readable sub-reason the client may see (e.g. `revoked` for an API key). */
  reason?: string;
  /** The methods a 405 answer lists in `Allow` (RFC 9110 §15.5.6 requires the header). */
  allow?: readonly string[];
  /** For `service_unavailable`: which dependency failed. Logged, never sent. */
  dependency?: Dependency;
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

/** How long a client is asked to wait after a dependency failed: short, the outage may be a blip. */
export const DEPENDENCY_RETRY_AFTER_SECONDS = 5;

/** A dependency (D1, KV, a rate limiter, a provider's JWKS) could not answer: 503 with `Retry-After`. */
export function dependencyUnavailable(dependency: Dependency, detail: string): AppError {
  return new AppError("service_unavailable", {
    dependency,
    detail,
    retryAfterSeconds: DEPENDENCY_RETRY_AFTER_SECONDS,
  });
}
