import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Miniflare } from "miniflare";
import { generateSigningKeySet } from "../../scripts/lib/signing-keys.ts";
import { insertUserSql } from "../../scripts/lib/users-sql.ts";

/**
 * Bundles a worker exactly as `wrangler deploy` would, without deploying; returns the script's
 * path. (`--outdir` is absolute because wrangler resolves it against the config's folder.)
 */
export function buildWorker(config = "wrangler.toml", outdir = ".bench/build", script = "index.js"): string {
  execFileSync(
    join("node_modules", ".bin", "wrangler"),
    ["deploy", "--dry-run", "-c", config, "--outdir", resolve(outdir)],
    {
      stdio: "ignore",
    },
  );
  return join(outdir, script);
}

/** The ceiling: a bare Hono pass-through to `upstreamUrl`, in workerd the same way as the gateway. */
export async function startCeiling(upstreamUrl: string) {
  const scriptPath = buildWorker("bench/ceiling/wrangler.toml", ".bench/ceiling", "worker.js");
  const mf = new Miniflare({
    modules: true,
    scriptPath,
    compatibilityDate: "2026-04-01",
    bindings: { UPSTREAM_URL: upstreamUrl },
  });
  return { mf, url: new URL(await mf.ready) };
}

function wranglerVars(): Record<string, string> {
  const toml = readFileSync("wrangler.toml", "utf8");
  const section = toml.split("[vars]")[1]?.split(/\n\[/)[0] ?? "";
  const vars: Record<string, string> = {};
  for (const match of section.matchAll(/^(\w+)\s*=\s*"([^"]*)"/gm)) vars[match[1] as string] = match[2] as string;
  return vars;
}

type RateLimits = Record<string, { simple: { limit: number; period: 10 | 60 } }>;

/** The `[[ratelimits]]` of wrangler.toml, as Miniflare takes them. */
export function wranglerRateLimits(): RateLimits {
  const toml = readFileSync("wrangler.toml", "utf8");
  const limits: RateLimits = {};
  for (const block of toml.split("[[ratelimits]]").slice(1)) {
    const name = /name\s*=\s*"(\w+)"/.exec(block)?.[1];
    const simple = /simple\s*=\s*\{\s*limit\s*=\s*(\d+),\s*period\s*=\s*(\d+)\s*\}/.exec(block);
    if (!name || !simple) throw new Error(`unreadable [[ratelimits]] block in wrangler.toml: ${block.trim()}`);
    limits[name] = { simple: { limit: Number(simple[1]), period: Number(simple[2]) as 10 | 60 } };
  }
  return limits;
}

/** Every limiter raised far out of the way: for measuring cost, not limits. */
export function unlimited(): RateLimits {
  return Object.fromEntries(
    Object.keys(wranglerRateLimits()).map((name) => [name, { simple: { limit: 1_000_000, period: 60 as const } }]),
  );
}

export interface GatewayOptions {
  extraBindings?: Record<string, string>;
  /** The limits to run with; wrangler.toml's by default. */
  rateLimits?: RateLimits;
}

export interface BenchUser {
  publicId: string;
  email: string;
  password: string;
}

/** The bundled gateway in workerd through Miniflare's API: no `wrangler dev` proxy in the way. */
export async function startGateway(scriptPath: string, options: GatewayOptions = {}) {
  const mf = new Miniflare({
    modules: true,
    scriptPath,
    compatibilityDate: "2026-04-01",
    d1Databases: { DB: "bench-db" },
    kvNamespaces: { KV: "bench-kv" },
    bindings: { ...wranglerVars(), SIGNING_KEYS: await generateSigningKeySet(["ES256"]), ...options.extraBindings },
    ratelimits: options.rateLimits ?? wranglerRateLimits(),
  });
  const url = await mf.ready;
  const db = await mf.getD1Database("DB");
  for (const file of readdirSync("migrations")
    .filter((name) => name.endsWith(".sql"))
    .sort()) {
    const statements = readFileSync(join("migrations", file), "utf8").split("--> statement-breakpoint");
    for (const statement of statements) if (statement.trim()) await db.prepare(statement).run();
  }
  const user: BenchUser = { publicId: crypto.randomUUID(), email: "bench@example.com", password: "bench-password-1" };
  await db
    .prepare(
      await insertUserSql({
        publicId: user.publicId,
        userType: "user",
        email: user.email,
        password: user.password,
        firstName: "Bench",
        lastName: "User",
        phoneNumber: null,
      }),
    )
    .run();
  return { mf, url: new URL(url), user, db };
}
