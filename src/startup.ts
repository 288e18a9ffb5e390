import { signingKeysProblem } from "./crypto/signing-keys";
import type { Bindings, Config } from "./env";
import { invalidConfiguration, readConfig, readConfigWithoutSecrets } from "./env";
import { configuredRouteTable } from "./gateway/configured-table";
import { checkAudiences } from "./gateway/route-table";
import { RATE_LIMIT_BINDINGS } from "./rate-limit-bindings";

/** The bindings requests use, under the names wrangler.toml declares them with. */
const REQUIRED_BINDINGS = ["DB", "KV", "ASSETS", ...Object.values(RATE_LIMIT_BINDINGS)];

function missingBindings(env: Bindings): string[] {
  const present = env as unknown as Readonly<Record<string, unknown>>;
  return REQUIRED_BINDINGS.filter((name) => present[name] == null).map(
    (name) => `the binding ${name} is missing: declare it in wrangler.toml as the repository's does`,
  );
}

export interface CheckOptions {
  /**
   * False only offline, where a deployment's Workers secrets cannot be seen: then a secret the
   * configuration requires (PASSWORD_PEPPERS in production) is not asked for, only checked when
   * given. The Worker always checks with its secrets.
   */
  secretsVisible?: boolean;
}

/**
 * Everything that can be checked before the first request: every binding requests use declared
 * (D1, KV, the static assets, each rate limiter), every variable in range, the signing keys well
 * formed, the production secrets present, and the route table valid, with the service
 * bindings it names and none of the audiences of Gatehouse's own tokens. Run when the Worker's
 * module is loaded, so a bad value stops `wrangler dev` and fails `wrangler deploy` with a message
 * naming the variable or the entry, instead of failing the first request. `npm run check:config`
 * runs the same check offline.
 */
export function checkConfiguration(env: Bindings, { secretsVisible = true }: CheckOptions = {}): Config {
  const missing = missingBindings(env);
  if (missing.length > 0) throw invalidConfiguration(missing);
  const config = secretsVisible ? readConfig(env) : readConfigWithoutSecrets(env);
  // Offline, a key set not given is one set in Cloudflare; one given is checked all the same.
  const keysProblem = secretsVisible || env.SIGNING_KEYS ? signingKeysProblem(env.SIGNING_KEYS) : undefined;
  if (keysProblem) throw invalidConfiguration([keysProblem]);
  const table = configuredRouteTable(config, env as unknown as Readonly<Record<string, unknown>>);
  checkAudiences(table, [config.audience, config.persAudience]);
  return config;
}
