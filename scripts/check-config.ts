/**
 * `npm run check:config [-- --env NAME] [-- --vars FILE] [-- --without-secrets] [-- --deploy]`: validates,
 * offline, what the Worker checks when it starts: every variable of wrangler.toml (and of
 * `.dev.vars`, or the file given, when present) in range, PASSWORD_PEPPERS present when ISSUER is
 * production, SIGNING_KEYS a key set whose keys import and sign, and the route table (`GATEWAY_ROUTES`, else gateway.routes.json) valid with every
 * service binding it names declared in wrangler.toml. Exits 1 naming each problem.
 *
 * A deployment's Workers secrets live in Cloudflare and cannot be read from here. With
 * `--without-secrets` (what `npm run deploy` passes) a secret that is absent is not held against
 * the configuration: the check says so, and the Worker refuses to start without it. So is one on a
 * fresh clone, before `npm run setup:local` has written `.dev.vars`.
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs, parseEnv } from "node:util";
import { unstable_readConfig } from "wrangler";
import { unusableSigningKeys } from "../src/crypto/signing-keys.ts";
import { type Bindings, invalidConfiguration, isLocalDevelopment, missingProductionPepper } from "../src/env.ts";

/** The route table the Worker imports (src/gateway/configured-table.ts) when GATEWAY_ROUTES is unset. */
const ROUTES_FILE = fileURLToPath(new URL("../gateway.routes.json", import.meta.url));

/** A refusal of this command's own input: its message alone, and exit 1. */
function refuse(message: string): never {
  console.error(message);
  process.exit(1);
}

function parsedArguments() {
  try {
    return parseArgs({
      options: {
        env: { type: "string" },
        vars: { type: "string" },
        config: { type: "string", default: "wrangler.toml" },
        "without-secrets": { type: "boolean", default: false },
        deploy: { type: "boolean", default: false },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    return refuse(`${error instanceof Error ? error.message : error} (see npm run check:config -- --help)`);
  }
}

const { values } = parsedArguments();

if (values.help) {
  console.log(`Usage: npm run check:config [-- --env NAME] [-- --vars FILE] [-- --config wrangler.toml]

Checks the configuration the Worker validates at start-up, without starting it:
  --config FILE  the wrangler configuration (default wrangler.toml)
  --env NAME     a wrangler environment ([env.NAME] in the configuration)
  --vars FILE    extra variables in .dev.vars format (default: .dev.vars when it exists)
  --without-secrets
                 the Workers secrets are set in Cloudflare, not in the variables given: do not
                 refuse a missing PASSWORD_PEPPERS (the Worker still does), say it was not seen
  --deploy       what \`npm run deploy\` adds: refuse a local-development ISSUER`);
  process.exit(0);
}

if (!existsSync(values.config)) refuse(`--config ${values.config}: no such file`);
// The Worker imports the route file as a module: a file that is not JSON would stop the check below
// with a compiler's stack instead of saying which file.
if (existsSync(ROUTES_FILE)) {
  try {
    JSON.parse(readFileSync(ROUTES_FILE, "utf8"));
  } catch (error) {
    refuse(
      `Invalid gateway route table: ${ROUTES_FILE} is not valid JSON (${error instanceof Error ? error.message : error})`,
    );
  }
} else {
  refuse(`Invalid gateway route table: ${ROUTES_FILE} is missing (docs/gateway.md describes it)`);
}
const { checkConfiguration } = await import("../src/startup.ts");

const wrangler = unstable_readConfig({ config: values.config, env: values.env });
if (values.env !== undefined && !wrangler.definedEnvironments?.includes(values.env)) {
  refuse(`--env ${values.env}: ${values.config} defines no [env.${values.env}]`);
}
const varsFile = values.vars ?? (existsSync(".dev.vars") ? ".dev.vars" : undefined);
if (varsFile !== undefined && !existsSync(varsFile)) refuse(`--vars ${varsFile}: no such file`);
const extra = varsFile ? parseEnv(readFileSync(varsFile, "utf8")) : {};
// A service binding only has to be declared to be named: it is never called here.
const declared = (wrangler.services ?? []) as Array<{ binding: string }>;
const services = Object.fromEntries(declared.map(({ binding }) => [binding, { fetch: () => undefined }]));
// Nor is any other binding: the check only asks whether each one the Worker uses is declared.
const otherBindings: string[] = [
  ...wrangler.d1_databases.map(({ binding }: { binding: string }) => binding),
  ...wrangler.kv_namespaces.map(({ binding }: { binding: string }) => binding),
  ...(wrangler.ratelimits ?? []).map(({ name }: { name: string }) => name),
  ...(wrangler.assets?.binding ? [wrangler.assets.binding] : []),
];
const placeholders = Object.fromEntries(otherBindings.map((binding) => [binding, {}]));

// No variables file on a fresh clone: `.dev.vars`, with the development secrets, comes next.
const secretsVisible = !values["without-secrets"] && varsFile !== undefined;

try {
  const config = checkConfiguration(
    { ...wrangler.vars, ...extra, ...services, ...placeholders } as unknown as Bindings,
    {
      secretsVisible,
    },
  );
  const unusable = extra.SIGNING_KEYS ? await unusableSigningKeys(extra.SIGNING_KEYS) : undefined;
  if (unusable) throw invalidConfiguration([unusable]);
  if (values.deploy && isLocalDevelopment(config)) {
    throw invalidConfiguration([
      `ISSUER is ${config.issuer}, a local-development origin: set it in wrangler.toml to the https origin ` +
        "Gatehouse will be reached at before deploying (docs/deploying.md)",
    ]);
  }
  console.log(
    `Configuration OK (${values.config}${values.env ? `, env ${values.env}` : ""}${varsFile ? `, ${varsFile}` : ""}).`,
  );
  if (!secretsVisible && !extra.SIGNING_KEYS) {
    console.log(
      "Not checked: the Workers secret SIGNING_KEYS, not visible here" +
        (varsFile === undefined && !values["without-secrets"]
          ? " (no .dev.vars yet: `npm run setup:local` writes one)."
          : "; the Worker refuses to start without a valid one (`npx wrangler secret put SIGNING_KEYS`)."),
    );
  }
  if (values.deploy && declared.some(({ binding }) => binding === "DEMO_UPSTREAM")) {
    console.log(
      "Note: wrangler.toml still binds the demo origin (DEMO_UPSTREAM) and gateway.routes.json may still route to it;" +
        " replace both with your origins (docs/deploying.md) unless you deploy demo/upstream too.",
    );
  }
  if (!secretsVisible && missingProductionPepper(config)) {
    console.log(
      "Not checked: the Workers secret PASSWORD_PEPPERS, which this ISSUER requires. It is not visible offline;" +
        " the Worker refuses to start without it (`npx wrangler secret list` shows whether it is set," +
        " `npx wrangler secret put PASSWORD_PEPPERS` sets it).",
    );
  }
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}
