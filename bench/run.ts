/**
 * `npm run bench`: the bundled gateway in workerd (Miniflare API, no wrangler proxy), driven over
 * loopback by autocannon. Every path is measured in pairs with its reference, interleaved, in one
 * run: each forwarding path (public, bearer JWT, API key at 10, 1,000 and 12,000 distinct keys,
 * cookie session, PERS token, the API key once more with every forward logged) and Ping refresh
 * against the ceiling (a bare Hono pass-through to the same local upstream); login against a bare
 * Worker doing one PBKDF2 at the same iterations, and against one that also makes login's storage
 * calls (itself measured against the first). Then the D1 rows the API-key usage flush writes
 * per 10,000 requests at 1,000 keys; the latency of login, refresh and a cold API key one request
 * at a time; and a summary table. `BENCH_ROUNDS` and `BENCH_SECONDS` shorten a run.
 */
import os from "node:os";
import { GZIP_BUDGET_BYTES, measureBundle } from "../scripts/lib/bundle-size.ts";
import { benchCredentials, logIn } from "./lib/bench-credentials.ts";
import { benchRouteTable } from "./lib/bench-routes.ts";
import { seedBenchTenant } from "./lib/bench-tenant.ts";
import {
  buildWorker,
  startCeiling,
  startGateway,
  startLoginFloor,
  startPbkdf2Floor,
  unlimited,
} from "./lib/gateway-under-test.ts";
import { HeaderCycle, type LoadOptions, measureSequential, measureThroughput } from "./lib/measure.ts";
import { measureWithCpu, median, type Pair, type PairSummary, summarize } from "./lib/pairs.ts";
import { type SummaryRow, summaryTable } from "./lib/summary-table.ts";
import { startUpstream } from "./lib/upstream-server.ts";
import { logOffset, usageFlushesSince } from "./lib/usage-flush-log.ts";

function positiveFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, not "${raw}"`);
  return value;
}

/**
 * This small shared machine changes speed by a third within seconds, so every measurement of a
 * path comes right after one of its reference, and its ratio is taken against that one. Each round
 * measures every path once this way, in a rotating order; single pairs range from about 0.6× to
 * 1.3×, so medians over ten rounds are reported.
 */
const ROUNDS = Math.round(positiveFromEnv("BENCH_ROUNDS", 10));
const SECONDS_PER_MEASUREMENT = positiveFromEnv("BENCH_SECONDS", 2);
/** How many never-presented keys the cold API-key measurement uses, one request each. */
const COLD_KEYS = 200;
/** Distinct API keys cycling in the key-count scenarios. */
const KEY_COUNTS = [10, 1_000, 12_000] as const;
/** Requests of the usage-write measurement, at 1,000 keys. */
const USAGE_REQUESTS = 10_000;
const GATEWAY_LOG = ".bench/gateway.log";
/**
 * The usage flush interval, from the code's own constant. Imported by a computed name so that the
 * bench's type check (Node types) does not take in the Worker's sources; if the constant moves,
 * a generous 10 s is waited instead.
 */
const USAGE_MODULE = "../src/services/api-keys/usage.ts";
const usageFlushIntervalMs: number = await import(USAGE_MODULE)
  .then((module: { USAGE_FLUSH_INTERVAL_MS?: unknown }) =>
    typeof module.USAGE_FLUSH_INTERVAL_MS === "number" ? module.USAGE_FLUSH_INTERVAL_MS : 10_000,
  )
  .catch(() => 10_000);
const LOGGED_GATEWAY_LOG = ".bench/gateway-logging-forwards.log";
/** The log of the 1,000-key gateway, where the usage-write measurement reads its flushes. */
const USAGE_LOG = ".bench/gateway-1000-keys.log";

/** The bundle's size as `npm run check:bundle` measures it, for the summary. */
async function bundleLine(): Promise<string> {
  const { rawBytes, gzipBytes } = await measureBundle();
  const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
  return `${kib(gzipBytes)} gzip (${kib(rawBytes)} raw; budget ${kib(GZIP_BUDGET_BYTES)}, goal 100.0 KiB)`;
}

/** A path measured against its reference: what is requested, where, and what it is held to. */
interface Scenario {
  label: string;
  /** The worker that serves the path. */
  base: URL;
  path: string;
  reference: "ceiling" | "pbkdf2" | "login floor";
  load?: Omit<LoadOptions, "url" | "seconds" | "amount" | "cycle">;
  /** API keys cycling, one per request, if the path takes one key after another. */
  keys?: string[];
  /** Requests sent before measuring (all of them must answer 200). */
  warmUp: number;
}

/**
 * Before each measurement of a key-count scenario, whole passes over its keys, so every key the
 * measurement presents has been seen, as when that many keys keep cycling at this rate. The first
 * pass of a scenario resolves every key cold; later ones find them in memory (nothing expires per
 * key while the isolate reads the key change feed). The cap only stops a broken run.
 */
const KEY_PASS_MAX_SECONDS = 120;
/** A pass that took longer than this was still resolving keys cold: another follows, at most `MAX_KEY_PASSES`. */
const STEADY_PASS_SECONDS = 30;
const MAX_KEY_PASSES = 3;

/** Passes over a scenario's keys until one is quick enough that every key was seen a moment ago. */
async function cycleKeysUntilSteady(load: LoadOptions, amount: number): Promise<void> {
  for (let pass = 0; pass < MAX_KEY_PASSES; pass++) {
    const started = performance.now();
    await measureThroughput("key pass", { ...load, amount, maxSeconds: KEY_PASS_MAX_SECONDS });
    if ((performance.now() - started) / 1000 <= STEADY_PASS_SECONDS) return;
  }
}

const upstream = await startUpstream();
const scriptPath = buildWorker();
// Rate limits would stop a run after a few logins: this run measures cost, not limits
// (`npm run bench:hammer` shows the limits at work).
const startBenchGateway = (runtimeLog: string, extra: Record<string, string> = {}) =>
  startGateway(scriptPath, {
    // A PERS access token lives 15 minutes by default, less than a whole run: the bench's one
    // token must answer 200 to the end.
    extraBindings: { GATEWAY_ROUTES: benchRouteTable(upstream.url), PERS_ACCESS_TOKEN_TTL_SECONDS: "7200", ...extra },
    rateLimits: unlimited(),
    runtimeLog,
  });
const gateway = await startBenchGateway(GATEWAY_LOG);
const loggingGateway = await startBenchGateway(LOGGED_GATEWAY_LOG, { LOG_FORWARDED_REQUESTS: "true" });
await seedBenchTenant(loggingGateway.db, loggingGateway.user.publicId);
// Each large key count has a gateway (an isolate) of its own, so that one workload's keys never
// evict another's from the isolate caches: each row shows the cost at that many keys in use.
const keyGateways = await Promise.all(
  KEY_COUNTS.filter((count) => count > 10).map(async (count) => {
    const keyed = await startBenchGateway(`.bench/gateway-${count}-keys.log`);
    const keyedTenant = await seedBenchTenant(keyed.db, keyed.user.publicId);
    const started = performance.now();
    const keys = await keyedTenant.issueFreshKeys(count);
    return { count, gateway: keyed, keys, seedSeconds: (performance.now() - started) / 1000 };
  }),
);
const ceiling = await startCeiling(upstream.url);
const pbkdf2 = await startPbkdf2Floor();
const loginFloor = await startLoginFloor();
const tenant = await seedBenchTenant(gateway.db, gateway.user.publicId);
const referenceBase = { ceiling: ceiling.url, pbkdf2: pbkdf2.url, "login floor": loginFloor.url };

try {
  const tenKeys = await tenant.issueFreshKeys(10);
  const coldKeys = await tenant.issueFreshKeys(COLD_KEYS);
  const keysOf = (count: number) => (count === 10 ? tenKeys : keyGateways.find((k) => k.count === count)?.keys);
  const baseOfKeys = (count: number) => keyGateways.find((k) => k.count === count)?.gateway.url ?? gateway.url;
  const credentials = await benchCredentials(gateway.url, gateway.user, tenant);
  const json = { "Content-Type": "application/json" };
  const loginLoad = {
    method: "POST" as const,
    headers: { ...json, "User-Type": "user" },
    body: JSON.stringify({ email: gateway.user.email, password: gateway.user.password }),
  };
  const refreshLoad = {
    method: "POST" as const,
    headers: json,
    body: JSON.stringify({ refreshToken: credentials.refreshToken, userType: "user" }),
  };
  const keyLabel = (count: number) => `API key, ${count.toLocaleString("en-US")} keys cycling`;
  const forward = (label: string, path: string, headers?: Record<string, string>): Scenario => ({
    label,
    base: gateway.url,
    path,
    reference: "ceiling",
    ...(headers ? { load: { headers } } : {}),
    warmUp: 50,
  });

  const scenarios: Scenario[] = [
    forward("public route (no credential)", "/bench/public/ping"),
    forward("bearer JWT (warm)", "/bench/bearer/ping", credentials.bearer),
    ...KEY_COUNTS.map(
      (count): Scenario => ({
        label: keyLabel(count),
        base: baseOfKeys(count),
        path: "/bench/api-key/ping",
        reference: "ceiling",
        keys: keysOf(count) ?? [],
        warmUp: 50,
      }),
    ),
    forward("cookie session (warm)", "/bench/cookie/ping", credentials.cookie),
    forward("PERS token (warm)", "/bench/pers/ping", credentials.pers),
    // The demo keys are seeded alike in every gateway, so the same key works on this one.
    {
      ...forward("API key (1 key), every forward logged", "/bench/api-key/ping", credentials.apiKey),
      base: loggingGateway.url,
    },
    {
      label: "Ping refresh",
      base: gateway.url,
      path: "/v1/auth/refresh",
      reference: "ceiling",
      load: refreshLoad,
      warmUp: 20,
    },
    {
      label: "login (Ping)",
      base: gateway.url,
      path: "/v1/auth/login",
      reference: "pbkdf2",
      load: loginLoad,
      warmUp: 16,
    },
    // Login once more, against PBKDF2 plus login's own storage calls (simulated locally, in workerd):
    // what is left is Gatehouse's own code.
    {
      label: "login (Ping), against its storage floor",
      base: gateway.url,
      path: "/v1/auth/login",
      reference: "login floor",
      load: loginLoad,
      warmUp: 16,
    },
    // The floor itself against raw PBKDF2: what the local simulation of login's storage costs, so
    // the most any login, with no code of its own, could reach against raw PBKDF2 here.
    {
      label: "login's storage floor",
      base: loginFloor.url,
      path: "/bench/ping",
      reference: "pbkdf2",
      load: loginLoad,
      warmUp: 16,
    },
  ];

  // The path and its reference each take their own turn through the keys.
  const cycles = new Map(
    scenarios.map((scenario) => {
      const headers = (scenario.keys ?? []).map((key) => ({ "X-Ping-Api-Key": key }));
      return [
        scenario,
        headers.length > 0 ? { path: new HeaderCycle(headers), reference: new HeaderCycle(headers) } : undefined,
      ];
    }),
  );
  const loadOf = (scenario: Scenario, side: "path" | "reference" = "path"): LoadOptions => {
    const cycle = cycles.get(scenario)?.[side];
    // A reference gets the very same request (credential included), so the load generator's work is identical.
    const url =
      side === "path"
        ? new URL(scenario.path, scenario.base)
        : new URL("/bench/ping", referenceBase[scenario.reference]);
    return { ...scenario.load, url: url.toString(), ...(cycle ? { cycle } : {}) };
  };
  const warmUpStarted = performance.now();
  for (const scenario of scenarios) {
    // Warms the isolate (keys, route table, caches) and proves the path answers 200 before measuring.
    const warm = await measureThroughput(scenario.label, { ...loadOf(scenario), amount: scenario.warmUp });
    if (warm.non2xx > 0)
      throw new Error(`${scenario.label}: ${warm.non2xx} of ${warm.requests} warm-up requests failed`);
  }
  const warmUpSeconds = (performance.now() - warmUpStarted) / 1000;

  const pairs: Pair[][] = scenarios.map(() => []);
  const seconds = SECONDS_PER_MEASUREMENT;
  for (let round = 0; round < ROUNDS; round++) {
    for (let step = 0; step < scenarios.length; step++) {
      const index = (round + step) % scenarios.length;
      const scenario = scenarios[index];
      if (!scenario) continue;
      if (scenario.keys) await cycleKeysUntilSteady(loadOf(scenario), scenario.keys.length);
      const reference = await measureWithCpu(scenario.reference, { ...loadOf(scenario, "reference"), seconds });
      const path = await measureWithCpu(scenario.label, { ...loadOf(scenario), seconds });
      pairs[index]?.push({ reference, path });
    }
  }
  const summaries = new Map(scenarios.map((scenario, index) => [scenario.label, summarize(pairs[index] ?? [])]));

  // D1 rows the usage write-back costs: 10,000 requests over 1,000 keys. A flush starts at a request
  // (never on a timer), so a quiet wait longer than the flush interval and one request flush what is
  // pending: before the window (counts of earlier measurements stay out of it) and after it (the
  // window's last counts, which nothing else would flush, are in). The log is read a moment later.
  const usageScenario = loadOf(scenarios.find((s) => s.label === keyLabel(1_000)) as Scenario);
  const flushPendingUsage = async () => {
    await new Promise((resolve) => setTimeout(resolve, usageFlushIntervalMs + 1_000));
    await measureThroughput("usage flush", { ...usageScenario, amount: 1 });
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  };
  await flushPendingUsage();
  const usageLogFrom = logOffset(USAGE_LOG);
  const usageLoad = await measureThroughput("usage", { ...usageScenario, amount: USAGE_REQUESTS });
  await flushPendingUsage();
  const usage = usageFlushesSince(USAGE_LOG, usageLogFrom);
  const usageLine =
    usage.flushes === 0
      ? "n/a (no flush lines)"
      : `${((usage.rowsWritten / usageLoad.requests) * 10_000).toFixed(0)} rows per 10,000 requests ` +
        `(${usage.rowsWritten} rows in ${usage.flushes} flushes for ${usageLoad.requests} requests)`;

  // One request at a time: on an idle machine, latency close to CPU time. A key's first request at
  // an isolate is its cold path (isolate cache and Cache API miss, D1 read, first assertion sign).
  const gatewayUrl = (path: string) => new URL(path, gateway.url).toString();
  const keyed = (key: string) => fetch(gatewayUrl("/bench/api-key/ping"), { headers: { "X-Ping-Api-Key": key } });
  let nextColdKey = 0;
  const sequential = [
    await measureSequential("ceiling: bare Hono pass-through", 300, () =>
      fetch(new URL("/bench/ping", ceiling.url), { headers: credentials.apiKey }),
    ),
    await measureSequential("API key, warm (one key again and again)", 300, () => keyed(tenant.liveKey)),
    await measureSequential(`API key, cold (first request of each of ${COLD_KEYS} keys)`, COLD_KEYS, () =>
      keyed(coldKeys[nextColdKey++] ?? ""),
    ),
    await measureSequential("login (Ping)", 20, () => logIn(gateway.url, gateway.user, { "User-Type": "user" })),
    await measureSequential("Ping refresh", 100, () => fetch(gatewayUrl("/v1/auth/refresh"), refreshLoad)),
  ];

  const ceilingRow: PairSummary = (() => {
    const references = pairs.flatMap((list, index) =>
      scenarios[index]?.reference === "ceiling" ? list.map((pair) => pair.reference) : [],
    );
    const cpu = median(references.map((m) => m.cpuMicrosPerRequest));
    const rate = median(references.map((m) => m.requestsPerSecond));
    return {
      ...summarize(references.map((m) => ({ path: m, reference: m }))),
      label: "ceiling",
      reference: { requestsPerSecond: rate, cpuMicrosPerRequest: cpu },
    };
  })();
  const summaryOf = (label: string) => summaries.get(label) as PairSummary;
  const login = summaryOf("login (Ping)");
  const loginOverFloor = summaryOf("login (Ping), against its storage floor");
  const storageFloor = summaryOf("login's storage floor");
  const tenKeySummary = summaryOf(keyLabel(10));
  const warmGoal = { minRatio: 0.9, maxCpuAddedMicros: 100 };
  const rows: SummaryRow[] = [
    { label: "ceiling: bare Hono pass-through", against: "", summary: ceilingRow },
    { label: "public route", against: "ceiling", summary: summaryOf("public route (no credential)") },
    { label: "bearer JWT (warm)", against: "ceiling", summary: summaryOf("bearer JWT (warm)"), goal: warmGoal },
    ...KEY_COUNTS.map((count): SummaryRow => {
      const summary = summaryOf(keyLabel(count));
      if (count === 10) return { label: keyLabel(count), against: "ceiling", summary, goal: warmGoal };
      const relative = { to: "10 keys", ratio: summary.ratio / tenKeySummary.ratio, minRatio: 0.7 };
      return { label: keyLabel(count), against: "ceiling", summary, goal: { relative } };
    }),
    { label: "cookie session (warm)", against: "ceiling", summary: summaryOf("cookie session (warm)"), goal: warmGoal },
    { label: "PERS token (warm)", against: "ceiling", summary: summaryOf("PERS token (warm)"), goal: warmGoal },
    {
      label: "API key (1 key), forwards logged",
      against: "ceiling",
      summary: summaryOf("API key (1 key), every forward logged"),
    },
    { label: "Ping refresh", against: "ceiling", summary: summaryOf("Ping refresh") },
    { label: "login (Ping)", against: "raw PBKDF2", summary: login, goal: { minRatio: 0.85 } },
    { label: "login (Ping)", against: "PBKDF2 + login's storage", summary: loginOverFloor },
    { label: "PBKDF2 + login's storage", against: "raw PBKDF2", summary: storageFloor },
  ];

  const [load1, load5] = os.loadavg();
  console.log(
    `\nmachine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, node ${process.version}, ` +
      `load average ${load1?.toFixed(1)} / ${load5?.toFixed(1)} (1 / 5 min) at the end`,
  );
  const seeded = keyGateways.map((k) => `${k.count.toLocaleString("en-US")} keys in ${k.seedSeconds.toFixed(1)} s`);
  console.log(`seeded ${seeded.join(", ")} (multi-row INSERTs); warm-up ${warmUpSeconds.toFixed(0)} s`);
  console.log("\none request at a time (p50 against the ceiling's)");
  const ceilingP50 = sequential[0]?.p50Ms ?? Number.NaN;
  for (const l of sequential) {
    console.log(
      `  ${l.label.padEnd(52)} mean ${l.meanMs.toFixed(2).padStart(6)} ms  p50 ${l.p50Ms.toFixed(2).padStart(6)} ms  ` +
        `p99 ${l.p99Ms.toFixed(2).padStart(6)} ms  (+${(l.p50Ms - ceilingP50).toFixed(2)} ms)`,
    );
  }
  console.log(
    `\n16 connections, each path measured ${ROUNDS} times for ${SECONDS_PER_MEASUREMENT} s, each time right after ` +
      "its reference (the ceiling; for login a bare PBKDF2 worker, and one that also makes login's storage calls) " +
      "with the same requests. Medians over the pairs of: rate " +
      "ratio, workerd CPU per request, CPU added over the reference. Warm authenticated paths: goal ≥ 0.9×, ≤ 100 µs added.\n",
  );
  console.log(summaryTable(rows));
  console.log(
    `\nlogin ÷ raw PBKDF2 (PBKDF2-SHA256, 100,000 iterations): ${login.ratio.toFixed(2)}× ` +
      `(${login.requestsPerSecond.toFixed(1)} vs ${login.reference.requestsPerSecond.toFixed(1)} req/s; ` +
      `CPU ${(login.cpuMicrosPerRequest / 1000).toFixed(1)} vs ${(login.reference.cpuMicrosPerRequest / 1000).toFixed(1)} ms per request); ` +
      `PBKDF2 with login's storage calls: CPU ${(loginOverFloor.reference.cpuMicrosPerRequest / 1000).toFixed(1)} ms per request, ` +
      `so Gatehouse's own code adds ${(loginOverFloor.cpuAddedMicros / 1000).toFixed(1)} ms; ` +
      `that floor itself runs at ${storageFloor.ratio.toFixed(2)}× raw PBKDF2 here, the most a login ` +
      "could reach with storage simulated in workerd",
  );
  console.log(`D1 rows written by API-key usage, at 1,000 keys: ${usageLine}`);
  console.log(`bundle: ${await bundleLine()}`);
  const failures = [...summaries.values()].reduce((sum, s) => sum + s.non2xx, 0);
  console.log(
    `non-2xx answers during measurements: ${failures}; the gateway's request log: ${gateway.runtimeLogLines()} lines in ` +
      `${GATEWAY_LOG}, with every forward logged: ${loggingGateway.runtimeLogLines()} lines in ${LOGGED_GATEWAY_LOG}`,
  );
  // Errors are cheap answers: a path with more than a few measured something else than itself.
  for (const [label, summary] of summaries) {
    if (summary.non2xx > 0) console.log(`  note: ${label} answered ${summary.non2xx} non-2xx during its measurements`);
  }
} finally {
  await gateway.mf.dispose();
  await loggingGateway.mf.dispose();
  for (const keyed of keyGateways) await keyed.gateway.mf.dispose();
  await ceiling.mf.dispose();
  await pbkdf2.mf.dispose();
  await loginFloor.mf.dispose();
  upstream.stop();
}
