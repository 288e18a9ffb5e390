import { execFileSync } from "node:child_process";
import { createWriteStream, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Readable } from "node:stream";
import { Miniflare } from "miniflare";
import { generateSigningKeySet } from "../../scripts/lib/signing-keys.ts";
import { insertUserSql } from "../../scripts/lib/users-sql.ts";
import { WRANGLER } from "../../scripts/lib/wrangler.ts";
import { parsePepperList } from "../../src/crypto/peppers.ts";

/**
 * Bundles a worker exactly as `wrangler deploy` would, without deploying; returns the script's
 * path. (`--outdir` is absolute because wrangler resolves it against the config's folder.)
 * `readableNames` keeps the bundle unminified, so that a CPU profile names our functions.
 */
export function buildWorker(
  config = "wrangler.toml",
  outdir = ".bench/build",
  script = "index.js",
  { readableNames = false } = {},
): string {
  const minify = readableNames ? ["--minify=false"] : [];
  execFileSync(WRANGLER, ["deploy", "--dry-run", "-c", config, "--outdir", resolve(outdir), ...minify], {
    stdio: "ignore",
  });
  return join(outdir, script);
}

/**
 * Miniflare sends every outbound `fetch` of a worker through an extra JavaScript worker of its own
 * that copies the request's headers to drop `CF-Connecting-IP` (Cloudflare's network does that in
 * production, outside the isolate). That hop runs on the same workerd thread and costs per header,
 * so both the ceiling and the gateway are run without it.
 */
const PRODUCTION_LIKE_OUTBOUND = { stripCfConnectingIp: false } as const;

/** The ceiling: a bare Hono pass-through to `upstreamUrl`, in workerd the same way as the gateway. */
export async function startCeiling(upstreamUrl: string) {
  const scriptPath = buildWorker("bench/ceiling/wrangler.toml", ".bench/ceiling", "worker.js");
  const mf = new Miniflare({
    modules: true,
    scriptPath,
    compatibilityDate: "2026-04-01",
    bindings: { UPSTREAM_URL: upstreamUrl },
    ...PRODUCTION_LIKE_OUTBOUND,
  });
  return { mf, url: new URL(await mf.ready) };
}

/** Login's reference: a bare Worker doing one PBKDF2-SHA256 at 100,000 iterations per request. */
export async function startPbkdf2Floor() {
  const scriptPath = buildWorker("bench/ceiling/pbkdf2.wrangler.toml", ".bench/pbkdf2", "pbkdf2-worker.js");
  const mf = new Miniflare({ modules: true, scriptPath, compatibilityDate: "2026-04-01", ...PRODUCTION_LIKE_OUTBOUND });
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

/** Workerd's output into a file (not through this process's terminal), counting its lines. */
function runtimeOutputTo(path: string) {
  const file = createWriteStream(path);
  let lines = 0;
  // A native search per line, not a JavaScript loop per byte: this process is also the load
  // generator, and must not pay for the gateway's log more than it has to.
  const countLines = (chunk: Buffer) => {
    for (let at = chunk.indexOf(0x0a); at !== -1; at = chunk.indexOf(0x0a, at + 1)) lines += 1;
  };
  const handleRuntimeStdio = (stdout: Readable, stderr: Readable) => {
    for (const stream of [stdout, stderr]) {
      stream.on("data", countLines);
      stream.pipe(file, { end: false });
    }
  };
  return { handleRuntimeStdio, lines: () => lines };
}

export interface GatewayOptions {
  extraBindings?: Record<string, string>;
  /** The limits to run with; wrangler.toml's by default. */
  rateLimits?: RateLimits;
  /** Opens workerd's V8 inspector on this port (for `npm run bench:profile`). */
  inspectorPort?: number;
  /** Where workerd's stdout and stderr (the request log) go; by default, this process's own. */
  runtimeLog?: string;
}

type D1Database = Awaited<ReturnType<Miniflare["getD1Database"]>>;

/** The bench's password pepper, fresh per run. */
const BENCH_PEPPERS = `bench:${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("hex")}`;

async function applyMigrations(db: D1Database): Promise<void> {
  for (const file of readdirSync("migrations")
    .filter((name) => name.endsWith(".sql"))
    .sort()) {
    const statements = readFileSync(join("migrations", file), "utf8").split("--> statement-breakpoint");
    for (const statement of statements) if (statement.trim()) await db.prepare(statement).run();
  }
}

/** The bench user, hashed as the gateway hashes (PBKDF2-SHA256 100,000, the bench's pepper). */
async function insertBenchUser(db: D1Database): Promise<BenchUser> {
  const peppers = parsePepperList(BENCH_PEPPERS);
  if (typeof peppers === "string") throw new Error(peppers);
  const user: BenchUser = { publicId: crypto.randomUUID(), email: "bench@example.com", password: "bench-password-1" };
  const seed = { ...user, userType: "user" as const, firstName: "Bench", lastName: "User", phoneNumber: null };
  await db.prepare(await insertUserSql(seed, { peppers })).run();
  return user;
}

/**
 * Login's floor in the simulation: PBKDF2 and the storage calls of a login, nothing of Gatehouse's
 * own (bench/ceiling/login-floor-worker.ts), over the same schema and the same user row.
 */
export async function startLoginFloor() {
  const scriptPath = buildWorker(
    "bench/ceiling/login-floor.wrangler.toml",
    ".bench/login-floor",
    "login-floor-worker.js",
  );
  const mf = new Miniflare({
    modules: true,
    scriptPath,
    compatibilityDate: "2026-04-01",
    d1Databases: { DB: "login-floor-db" },
    kvNamespaces: { KV: "login-floor-kv" },
    ratelimits: { LIMITER: { simple: { limit: 1_000_000, period: 60 } } },
    ...PRODUCTION_LIKE_OUTBOUND,
  });
  const url = new URL(await mf.ready);
  const db = await mf.getD1Database("DB");
  await applyMigrations(db);
  await insertBenchUser(db);
  return { mf, url };
}

export interface BenchUser {
  publicId: string;
  email: string;
  password: string;
}

/** The bundled gateway in workerd through Miniflare's API: no `wrangler dev` proxy in the way. */
export async function startGateway(scriptPath: string, options: GatewayOptions = {}) {
  const output = options.runtimeLog ? runtimeOutputTo(options.runtimeLog) : undefined;
  const mf = new Miniflare({
    modules: true,
    scriptPath,
    compatibilityDate: "2026-04-01",
    d1Databases: { DB: "bench-db" },
    kvNamespaces: { KV: "bench-kv" },
    bindings: {
      ...wranglerVars(),
      SIGNING_KEYS: await generateSigningKeySet(["ES256"]),
      // A pepper, as every deployment has one (`npm run dev` writes one too): login pays its HMAC.
      PASSWORD_PEPPERS: BENCH_PEPPERS,
      ...options.extraBindings,
    },
    ratelimits: options.rateLimits ?? wranglerRateLimits(),
    inspectorPort: options.inspectorPort,
    ...PRODUCTION_LIKE_OUTBOUND,
    ...(output ? { handleRuntimeStdio: output.handleRuntimeStdio } : {}),
  });
  const url = await mf.ready;
  const db = await mf.getD1Database("DB");
  await applyMigrations(db);
  const user = await insertBenchUser(db);
  return { mf, url: new URL(url), user, db, runtimeLogLines: () => output?.lines() ?? 0 };
}
