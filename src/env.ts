import { z } from "zod";
import { PBKDF2_MAX_ITERATIONS } from "./crypto/passwords";
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

const positiveInt = z.coerce.number().int().positive();

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
  issuer: z.string().url(),
  audience: z.string().min(1),
  accessTokenTtlSeconds: positiveInt,
  refreshTokenTtlSeconds: positiveInt,
  pbkdf2Iterations: positiveInt.max(PBKDF2_MAX_ITERATIONS, {
    message: `PBKDF2_ITERATIONS must be at most ${PBKDF2_MAX_ITERATIONS} (Workers' production cap)`,
  }),
  sessionLivenessCacheSeconds: z.coerce.number().int().min(0).max(60),
  maxBodyBytes: positiveInt.max(1_048_576),
  passwordPepper: z.string().min(16).optional(),
  passwordPeppers: z
    .string()
    .default("")
    .transform((list, context) => {
      const peppers = parsePepperList(list);
      if (typeof peppers === "string") context.addIssue({ code: "custom", message: `PASSWORD_PEPPERS: ${peppers}` });
      return typeof peppers === "string" ? [] : peppers;
    }),
  corsAllowedOrigins: originListSchema,
  /** PERS CORS (never with credentials) for tenants without an `allowedOrigins` list of their own. */
  persCorsAllowedOrigins: originListSchema,
  /** How often an isolate reads the API-key change feed, after a response; 0: no memory tier. */
  apiKeyCacheSeconds: z.coerce.number().int().min(0).max(60),
  /** Cache API (per location) entry of a resolved API key; also bounds how long a revocation takes elsewhere. */
  apiKeyEdgeCacheSeconds: z.coerce.number().int().min(0).max(60),
  /** How long a rolled key keeps working next to its successor. */
  apiKeyRollGraceSeconds: z.coerce
    .number()
    .int()
    .min(0)
    .max(30 * 86_400),
  /** `aud` of PERS tokens; distinct from Ping's so neither is accepted as the other. */
  persAudience: z.string().min(1),
  persAccessTokenTtlSeconds: positiveInt,
  persRefreshTokenTtlSeconds: positiveInt,
  /** Window in which a just-rotated refresh token still yields the same child (concurrent refreshes). */
  persRefreshReuseGraceSeconds: z.coerce.number().int().min(0).max(60),
  /** A family's absolute lifetime from its exchange: 1 hour to 400 days. */
  persSessionMaxLifetimeSeconds: z.coerce
    .number()
    .int()
    .min(3_600)
    .max(400 * 86_400),
  /** How long a family may go without a refresh: 5 minutes to 400 days. */
  persSessionInactivitySeconds: z.coerce
    .number()
    .int()
    .min(300)
    .max(400 * 86_400),
  /** How long a fetched JWKS is used without asking the provider again. */
  jwksCacheSeconds: positiveInt.max(86_400),
  /** At most one refetch per provider per this many seconds when a token names an unknown `kid`. */
  jwksRefetchCooldownSeconds: positiveInt.max(3_600),
  /** How long the last good JWKS keeps verifying while its provider cannot be reached; then fail closed. */
  jwksStaleMaxSeconds: positiveInt.max(7 * 86_400),
  /** Raw JSON; validated by the gateway's route-table parser, which names the offending entry. */
  gatewayRoutes: z.string().min(1).optional(),
  /** Audit rows older than this are deleted by the scheduled handler. */
  auditRetentionDays: positiveInt.max(3650),
  /** Whether a request the origin answered gets a request-log line at the edge too (src/middleware/request-log.ts). */
  logForwardedRequests: z.enum(["true", "false"]).transform((value) => value === "true"),
});

export type Config = z.infer<typeof configSchema>;

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

function invalidConfiguration(problems: string[]): Error {
  return new Error(`Invalid Gatehouse configuration: ${problems.join("; ")}`);
}

/** Parses and validates the configuration once per isolate; a bad value fails loudly at the first request. */
export function readConfig(env: Bindings): Config {
  const cached = configCache.get(env);
  if (cached) return cached;
  const config = readConfigWithoutSecrets(env);
  const noPepper = missingProductionPepper(config);
  if (noPepper) throw invalidConfiguration([`passwordPeppers: ${noPepper}`]);
  configCache.set(env, config);
  return config;
}

/**
 * Every check of readConfig but those that need a Workers secret to be present. Only for the
 * offline check of a deployment (`check:config -- --without-secrets`), which cannot see its
 * secrets; the Worker itself always runs readConfig.
 */
export function readConfigWithoutSecrets(env: Bindings): Config {
  const parsed = configSchema.safeParse({
    issuer: env.ISSUER,
    audience: env.TOKEN_AUDIENCE,
    accessTokenTtlSeconds: env.ACCESS_TOKEN_TTL_SECONDS,
    refreshTokenTtlSeconds: env.REFRESH_TOKEN_TTL_SECONDS,
    pbkdf2Iterations: env.PBKDF2_ITERATIONS,
    sessionLivenessCacheSeconds: env.SESSION_LIVENESS_CACHE_SECONDS,
    maxBodyBytes: env.MAX_BODY_BYTES,
    passwordPepper: env.PASSWORD_PEPPER || undefined,
    passwordPeppers: env.PASSWORD_PEPPERS,
    corsAllowedOrigins: env.CORS_ALLOWED_ORIGINS,
    persCorsAllowedOrigins: env.PERS_CORS_ALLOWED_ORIGINS,
    apiKeyCacheSeconds: env.API_KEY_CACHE_SECONDS,
    apiKeyEdgeCacheSeconds: env.API_KEY_EDGE_CACHE_SECONDS,
    apiKeyRollGraceSeconds: env.API_KEY_ROLL_GRACE_SECONDS,
    persAudience: env.PERS_AUDIENCE,
    persAccessTokenTtlSeconds: env.PERS_ACCESS_TOKEN_TTL_SECONDS,
    persRefreshTokenTtlSeconds: env.PERS_REFRESH_TOKEN_TTL_SECONDS,
    persRefreshReuseGraceSeconds: env.PERS_REFRESH_REUSE_GRACE_SECONDS,
    persSessionMaxLifetimeSeconds: env.PERS_SESSION_MAX_LIFETIME_SECONDS ?? "7776000",
    persSessionInactivitySeconds: env.PERS_SESSION_INACTIVITY_SECONDS ?? "2592000",
    jwksCacheSeconds: env.JWKS_CACHE_SECONDS,
    jwksRefetchCooldownSeconds: env.JWKS_REFETCH_COOLDOWN_SECONDS,
    jwksStaleMaxSeconds: env.JWKS_STALE_MAX_SECONDS,
    gatewayRoutes: env.GATEWAY_ROUTES?.trim() || undefined,
    auditRetentionDays: env.AUDIT_RETENTION_DAYS ?? "90",
    logForwardedRequests: env.LOG_FORWARDED_REQUESTS?.trim() || "false",
  });
  if (!parsed.success) {
    throw invalidConfiguration(parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`));
  }
  return parsed.data;
}
