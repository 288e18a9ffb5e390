import { z } from "zod";
import { PBKDF2_MAX_ITERATIONS, PBKDF2_MIN_ITERATIONS } from "./crypto/passwords";
import { PEPPER_LIST_FORMAT, parsePepperList } from "./crypto/peppers";
import { EXACT_ORIGIN_RULE, isExactOrigin } from "./exact-origin";

/** Bindings and secrets as wrangler provides them. Declared once; everything else reads `Config`. */
export interface Bindings {
  DB: D1Database;
  KV: KVNamespace;
  /** Static files, written at build time: the OpenAPI document and Swagger UI (`scripts/build-assets.ts`). */
  ASSETS: Fetcher;
  /** JSON Web Key Set with private keys; the first key signs, every key verifies. Workers secret. */
  SIGNING_KEYS: string;
  /** Legacy single pepper (HMAC before PBKDF2), read only to verify and upgrade its hashes. Workers secret. */
  PASSWORD_PEPPER?: string;
  /**
   * Secret: `id:hex,id:hex` (each ≥ 32 bytes), the first current; see src/crypto/peppers.ts.
   * Optional in local development only: readConfig refuses a production ISSUER without it.
   */
  PASSWORD_PEPPERS?: string;
  ISSUER: string;
  TOKEN_AUDIENCE: string;
  ACCESS_TOKEN_TTL_SECONDS: string;
  REFRESH_TOKEN_TTL_SECONDS: string;
  PBKDF2_ITERATIONS: string;
  SESSION_LIVENESS_CACHE_SECONDS: string;
  MAX_BODY_BYTES: string;
  /** Comma-separated browser origins allowed to call with credentials (CORS) and past the CSRF check. */
  CORS_ALLOWED_ORIGINS?: string;
  /** Comma-separated browser origins allowed to call `/v2/*` (PERS) for a tenant that lists none itself. */
  PERS_CORS_ALLOWED_ORIGINS?: string;
  API_KEY_CACHE_SECONDS: string;
  API_KEY_EDGE_CACHE_SECONDS: string;
  API_KEY_ROLL_GRACE_SECONDS: string;
  PERS_AUDIENCE: string;
  PERS_ACCESS_TOKEN_TTL_SECONDS: string;
  PERS_REFRESH_TOKEN_TTL_SECONDS: string;
  PERS_REFRESH_REUSE_GRACE_SECONDS: string;
  /** A PERS family's absolute lifetime from its exchange; no rotation extends it. */
  PERS_SESSION_MAX_LIFETIME_SECONDS?: string;
  /** A PERS family unused (not refreshed) for this long ends. */
  PERS_SESSION_INACTIVITY_SECONDS?: string;
  JWKS_CACHE_SECONDS: string;
  JWKS_REFETCH_COOLDOWN_SECONDS: string;
  JWKS_STALE_MAX_SECONDS: string;
  /**
   * The gateway route table as JSON, replacing the bundled `gateway.routes.json` when non-empty.
   * The service bindings it names (e.g. `DEMO_UPSTREAM`) are looked up by name at request time.
   */
  GATEWAY_ROUTES?: string;
  /** Days an audit row is kept; the daily cron deletes older ones. */
  AUDIT_RETENTION_DAYS: string;
  /** "true" logs requests the gateway forwarded and the origin answered too; by default only the origin does. */
  LOG_FORWARDED_REQUESTS?: string;
  // Rate limiters (`[[ratelimits]]` in wrangler.toml); see src/services/rate-limits.ts.
  LOGIN_IP_LIMITER: RateLimit;
  LOGIN_ACCOUNT_IP_LIMITER: RateLimit;
  LOGIN_ACCOUNT_LIMITER: RateLimit;
  LOGIN_DEVICE_LIMITER: RateLimit;
  REGISTER_IP_LIMITER: RateLimit;
  REFRESH_IP_LIMITER: RateLimit;
  REFRESH_SESSION_LIMITER: RateLimit;
  TOKEN_EXCHANGE_IP_LIMITER: RateLimit;
  API_KEY_FAILURE_IP_LIMITER: RateLimit;
}

/** A variable that must be set: wrangler hands over strings, so the one way to fail is to be unset. */
const requiredText = () => z.string({ error: "is required" });

/**
 * A variable holding a whole number from `min` to `max`, digits only: `0x4000`, `1e4` and `16k`
 * are refused rather than read as numbers they do not look like.
 */
function wholeNumber(min: number, max: number, why = "") {
  return requiredText()
    .regex(/^[0-9]+$/, { error: "must be a whole number, digits only" })
    .transform(Number)
    .pipe(
      z
        .number()
        .min(min, { error: `must be at least ${min}${why}` })
        .max(max, { error: `must be at most ${max}${why}` }),
    );
}

/** Token lifetimes and other durations with no bound of their own: one second to ten years. */
const TEN_YEARS_SECONDS = 10 * 365 * 86_400;

/**
 * `https://app.example.com,http://localhost:3000` → exact origins (scheme, host, port; no path).
 * `*` is refused: credentialed CORS must never be open to every origin, and a PERS origin list is
 * what keeps other sites' pages from spending a tenant's refresh tokens.
 */
const originListSchema = z
  .string()
  .default("")
  .transform((list) =>
    list
      .split(",")
      .map((origin) => origin.trim())
      .filter((origin) => origin.length > 0),
  )
  .pipe(z.array(z.string().refine(isExactOrigin, { message: EXACT_ORIGIN_RULE })));

const configSchema = z.object({
  /** Where Gatehouse is reached: `iss` of its tokens, and the origin its own URLs are built on. */
  issuer: requiredText().refine((value) => isExactOrigin(value) && /^https?:/.test(value), {
    error:
      "must be the http(s) origin Gatehouse is reached at, such as https://auth.example.com (no path, no trailing slash)",
  }),
  audience: requiredText(),
  accessTokenTtlSeconds: wholeNumber(1, TEN_YEARS_SECONDS),
  refreshTokenTtlSeconds: wholeNumber(1, TEN_YEARS_SECONDS),
  pbkdf2Iterations: wholeNumber(
    PBKDF2_MIN_ITERATIONS,
    PBKDF2_MAX_ITERATIONS,
    " (fewer makes a leaked hash cheap to guess; more is over Workers' production cap)",
  ),
  sessionLivenessCacheSeconds: wholeNumber(0, 60),
  maxBodyBytes: wholeNumber(1, 1_048_576),
  passwordPepper: z.string().min(16).optional(),
  passwordPeppers: z
    .string()
    .default("")
    .transform((list, context) => {
      const peppers = parsePepperList(list);
      if (typeof peppers === "string") context.addIssue({ code: "custom", message: peppers });
      return typeof peppers === "string" ? [] : peppers;
    }),
  corsAllowedOrigins: originListSchema,
  /** PERS CORS (never with credentials) for tenants without an `allowedOrigins` list of their own. */
  persCorsAllowedOrigins: originListSchema,
  /** How often an isolate reads the API-key change feed, after a response; 0: no memory tier. */
  apiKeyCacheSeconds: wholeNumber(0, 60),
  /** Cache API (per location) entry of a resolved API key; also bounds how long a revocation takes elsewhere. */
  apiKeyEdgeCacheSeconds: wholeNumber(0, 60),
  /** How long a rolled key keeps working next to its successor. */
  apiKeyRollGraceSeconds: wholeNumber(0, 30 * 86_400),
  /** `aud` of PERS tokens; distinct from Ping's so neither is accepted as the other. */
  persAudience: requiredText(),
  persAccessTokenTtlSeconds: wholeNumber(1, TEN_YEARS_SECONDS),
  persRefreshTokenTtlSeconds: wholeNumber(1, TEN_YEARS_SECONDS),
  /** Window in which a just-rotated refresh token still yields the same child (concurrent refreshes). */
  persRefreshReuseGraceSeconds: wholeNumber(0, 60),
  /** A family's absolute lifetime from its exchange: 1 hour to 400 days. */
  persSessionMaxLifetimeSeconds: wholeNumber(3_600, 400 * 86_400).default(7_776_000),
  /** How long a family may go without a refresh: 5 minutes to 400 days. */
  persSessionInactivitySeconds: wholeNumber(300, 400 * 86_400).default(2_592_000),
  /** How long a fetched JWKS is used without asking the provider again. */
  jwksCacheSeconds: wholeNumber(1, 86_400),
  /** At most one refetch per provider per this many seconds when a token names an unknown `kid`. */
  jwksRefetchCooldownSeconds: wholeNumber(1, 3_600),
  /** How long the last good JWKS keeps verifying while its provider cannot be reached; then fail closed. */
  jwksStaleMaxSeconds: wholeNumber(1, 7 * 86_400),
  /** Raw JSON; validated by the gateway's route-table parser, which names the offending entry. */
  gatewayRoutes: z.string().min(1).optional(),
  /** Audit rows older than this are deleted by the scheduled handler. */
  auditRetentionDays: wholeNumber(1, 3650).default(90),
  /** Whether a request the origin answered gets a request-log line at the edge too (src/middleware/request-log.ts). */
  logForwardedRequests: z
    .enum(["true", "false"])
    .default("false")
    .transform((value) => value === "true"),
});

/** The rules between variables. */
const consistentConfigSchema = configSchema.superRefine((config, context) => {
  const refuse = (field: keyof typeof config, message: string) =>
    context.addIssue({ code: "custom", path: [field], message });
  if (config.persAudience === config.audience) {
    refuse("persAudience", "must differ from TOKEN_AUDIENCE, so that neither kind of token is accepted as the other");
  }
  if (config.accessTokenTtlSeconds > config.refreshTokenTtlSeconds) {
    refuse("accessTokenTtlSeconds", "must not exceed REFRESH_TOKEN_TTL_SECONDS");
  }
  if (config.persAccessTokenTtlSeconds > config.persRefreshTokenTtlSeconds) {
    refuse("persAccessTokenTtlSeconds", "must not exceed PERS_REFRESH_TOKEN_TTL_SECONDS");
  }
});

export type Config = z.infer<typeof configSchema>;

type TextVariable = {
  [Name in keyof Bindings]-?: Bindings[Name] extends string | undefined ? Name : never;
}[keyof Bindings];

/** The variable (or secret) each field is read from, which a refusal names. */
const VARIABLE_OF = {
  issuer: "ISSUER",
  audience: "TOKEN_AUDIENCE",
  accessTokenTtlSeconds: "ACCESS_TOKEN_TTL_SECONDS",
  refreshTokenTtlSeconds: "REFRESH_TOKEN_TTL_SECONDS",
  pbkdf2Iterations: "PBKDF2_ITERATIONS",
  sessionLivenessCacheSeconds: "SESSION_LIVENESS_CACHE_SECONDS",
  maxBodyBytes: "MAX_BODY_BYTES",
  passwordPepper: "PASSWORD_PEPPER",
  passwordPeppers: "PASSWORD_PEPPERS",
  corsAllowedOrigins: "CORS_ALLOWED_ORIGINS",
  persCorsAllowedOrigins: "PERS_CORS_ALLOWED_ORIGINS",
  apiKeyCacheSeconds: "API_KEY_CACHE_SECONDS",
  apiKeyEdgeCacheSeconds: "API_KEY_EDGE_CACHE_SECONDS",
  apiKeyRollGraceSeconds: "API_KEY_ROLL_GRACE_SECONDS",
  persAudience: "PERS_AUDIENCE",
  persAccessTokenTtlSeconds: "PERS_ACCESS_TOKEN_TTL_SECONDS",
  persRefreshTokenTtlSeconds: "PERS_REFRESH_TOKEN_TTL_SECONDS",
  persRefreshReuseGraceSeconds: "PERS_REFRESH_REUSE_GRACE_SECONDS",
  persSessionMaxLifetimeSeconds: "PERS_SESSION_MAX_LIFETIME_SECONDS",
  persSessionInactivitySeconds: "PERS_SESSION_INACTIVITY_SECONDS",
  jwksCacheSeconds: "JWKS_CACHE_SECONDS",
  jwksRefetchCooldownSeconds: "JWKS_REFETCH_COOLDOWN_SECONDS",
  jwksStaleMaxSeconds: "JWKS_STALE_MAX_SECONDS",
  gatewayRoutes: "GATEWAY_ROUTES",
  auditRetentionDays: "AUDIT_RETENTION_DAYS",
  logForwardedRequests: "LOG_FORWARDED_REQUESTS",
} as const satisfies Record<keyof Config, TextVariable>;

/** Each field's variable as wrangler hands it over; an empty or blank value counts as unset. */
function variablesOf(env: Bindings): Record<string, string | undefined> {
  return Object.fromEntries(
    Object.entries(VARIABLE_OF).map(([field, variable]) => [field, env[variable]?.trim() || undefined]),
  );
}

/** `ISSUER: must be ...`: a refusal names the variable an operator sets, not the field. */
function problemOf(issue: z.core.$ZodIssue): string {
  const [field] = issue.path;
  const variable = VARIABLE_OF[field as keyof typeof VARIABLE_OF] ?? issue.path.join(".");
  return `${variable}: ${issue.message}`;
}

const configCache = new WeakMap<Bindings, Config>();

/** Host names of the machine Gatehouse runs on in local development. */
export const LOCAL_HOSTS: ReadonlySet<string> = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * Local development is when Gatehouse itself runs on an http://localhost issuer (`npm run dev`);
 * every other ISSUER is production.
 */
export function isLocalDevelopment(config: Pick<Config, "issuer">): boolean {
  const issuer = new URL(config.issuer);
  return issuer.protocol === "http:" && LOCAL_HOSTS.has(issuer.hostname);
}

/**
 * Why a production configuration has no pepper, or undefined. Without one every password hash
 * written is unpeppered, and a leak of D1 alone exposes it to offline guessing: that must stop
 * the Worker, not pass silently. The legacy `PASSWORD_PEPPER` does not count: it is only read.
 */
export function missingProductionPepper(config: Pick<Config, "issuer" | "passwordPeppers">): string | undefined {
  if (isLocalDevelopment(config) || config.passwordPeppers.length > 0) return undefined;
  return (
    `PASSWORD_PEPPERS is required when ISSUER is not on localhost (${config.issuer}): without it passwords ` +
    "are stored unpeppered. Set it with `npx wrangler secret put PASSWORD_PEPPERS`, " +
    `value ${PEPPER_LIST_FORMAT} (docs/deploying.md makes one).`
  );
}

export function invalidConfiguration(problems: string[]): Error {
  return new Error(`Invalid Gatehouse configuration: ${problems.join("; ")}`);
}

/** Parses and validates the configuration once per isolate; a bad value fails loudly at the first request. */
export function readConfig(env: Bindings): Config {
  const cached = configCache.get(env);
  if (cached) return cached;
  const config = readConfigWithoutSecrets(env);
  const noPepper = missingProductionPepper(config);
  if (noPepper) throw invalidConfiguration([noPepper]);
  configCache.set(env, config);
  return config;
}

/**
 * Every check of readConfig but those that need a Workers secret to be present. Only for the
 * offline check of a deployment (`check:config -- --without-secrets`), which cannot see its
 * secrets; the Worker itself always runs readConfig.
 */
export function readConfigWithoutSecrets(env: Bindings): Config {
  const parsed = consistentConfigSchema.safeParse(variablesOf(env));
  if (!parsed.success) throw invalidConfiguration(parsed.error.issues.map(problemOf));
  return parsed.data;
}
