import { z } from "zod";
import { PBKDF2_MAX_ITERATIONS } from "./crypto/passwords";
import type { Deps } from "./services/deps";
import type { Principal } from "./services/principal";

/** Bindings and secrets as wrangler provides them. Declared once; everything else reads `Config`. */
export interface Bindings {
  DB: D1Database;
  KV: KVNamespace;
  /** JSON Web Key Set with private keys; the first key signs, every key verifies. Workers secret. */
  SIGNING_KEYS: string;
  /** Optional secret mixed into every password hash (HMAC before PBKDF2). Workers secret. */
  PASSWORD_PEPPER?: string;
  ISSUER: string;
  TOKEN_AUDIENCE: string;
  ACCESS_TOKEN_TTL_SECONDS: string;
  REFRESH_TOKEN_TTL_SECONDS: string;
  PBKDF2_ITERATIONS: string;
  SESSION_LIVENESS_CACHE_SECONDS: string;
  MAX_BODY_BYTES: string;
  /**
   * The gateway route table as JSON, replacing the bundled `gateway.routes.json` when non-empty.
   * The service bindings it names (e.g. `DEMO_UPSTREAM`) are looked up by name at request time.
   */
  GATEWAY_ROUTES?: string;
}

const positiveInt = z.coerce.number().int().positive();

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
  /** Raw JSON; validated by the gateway's route-table parser, which names the offending entry. */
  gatewayRoutes: z.string().min(1).optional(),
});

export type Config = z.infer<typeof configSchema>;

const configCache = new WeakMap<Bindings, Config>();

/** Parses and validates the configuration once per isolate; a bad value fails loudly at the first request. */
export function readConfig(env: Bindings): Config {
  const cached = configCache.get(env);
  if (cached) return cached;
  const parsed = configSchema.safeParse({
    issuer: env.ISSUER,
    audience: env.TOKEN_AUDIENCE,
    accessTokenTtlSeconds: env.ACCESS_TOKEN_TTL_SECONDS,
    refreshTokenTtlSeconds: env.REFRESH_TOKEN_TTL_SECONDS,
    pbkdf2Iterations: env.PBKDF2_ITERATIONS,
    sessionLivenessCacheSeconds: env.SESSION_LIVENESS_CACHE_SECONDS,
    maxBodyBytes: env.MAX_BODY_BYTES,
    passwordPepper: env.PASSWORD_PEPPER || undefined,
    gatewayRoutes: env.GATEWAY_ROUTES?.trim() || undefined,
  });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new Error(`Invalid Gatehouse configuration: ${problems.join("; ")}`);
  }
  configCache.set(env, parsed.data);
  return parsed.data;
}

/** Which wire dialect errors on the current route are written in. */
export type Dialect = "ping" | "pingpage" | "pers" | "gateway";

export interface Variables {
  requestId: string;
  deps: Deps;
  dialect: Dialect;
  principal: Principal;
  /** Set when the response came from an upstream origin: it then passes back untouched. */
  forwarded?: true;
}

export interface AppEnv {
  Bindings: Bindings;
  Variables: Variables;
}
