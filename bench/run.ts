/**
 * `npm run bench`: the bundled gateway in workerd (Miniflare API, no wrangler proxy), driven over
 * loopback. Prints per-request latency of login and refresh (sequential, so close to CPU time on
 * an idle machine); then forwarding one request at a time for the API-key path, cold (a key's
 * first request) and warm, next to the ceiling; then forwarding throughput: a bare Hono
 * pass-through to a local upstream (the ceiling) and the gateway forwarding to the same upstream
 * on each path (public, bearer JWT, API key, cookie session), each with its ratio to the ceiling.
 */
import os from "node:os";
import { seedBenchTenant } from "./lib/bench-tenant.ts";
import { buildWorker, startCeiling, startGateway, unlimited } from "./lib/gateway-under-test.ts";
import { measureSequential, measureThroughput, type ThroughputSummary } from "./lib/measure.ts";
import { startUpstream } from "./lib/upstream-server.ts";
import { workerdCpuMicros } from "./lib/workerd-cpu.ts";

/** The gateway's route table for the run: every path forwards to the local upstream. */
function benchRouteTable(upstreamUrl: string): string {
  const upstream = { url: upstreamUrl };
  return JSON.stringify({
    routes: [
      { name: "bench-public", path: "/bench/public/*", methods: ["GET"], credentials: ["public"], upstream },
      {
        name: "bench-bearer",
        path: "/bench/bearer/*",
        methods: ["GET"],
        credentials: ["bearer"],
        userTypes: ["user"],
        upstream,
      },
      {
        name: "bench-api-key",
        path: "/bench/api-key/*",
        methods: ["GET"],
        credentials: ["api_key"],
        permissions: ["sms"],
        upstream,
      },
      {
        name: "bench-cookie",
        path: "/bench/cookie/*",
        methods: ["GET"],
        credentials: ["session"],
        userTypes: ["user"],
        upstream,
      },
    ],
  });
}

/**
 * This small shared machine changes speed by a third from one second to the next, so the scenarios
 * are interleaved in short rounds and each path's ratio is taken against the ceiling of its own
 * round: drift then falls on both sides of each ratio alike.
 */
const ROUNDS = 7;
/** How many never-presented keys the cold API-key measurement uses, one request each. */
const COLD_KEYS = 200;
const SECONDS_PER_ROUND = 3;
/** The gateway's request log (one JSON line per request) goes here rather than to the terminal. */
const GATEWAY_LOG = ".bench/gateway.log";

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted[Math.floor(sorted.length / 2)];
  if (middle === undefined) throw new Error("no measurements");
  return middle;
}

interface Round extends ThroughputSummary {
  /** workerd's CPU time per request in this round (NaN without `/proc`). */
  cpuMicrosPerRequest: number;
}

/**
 * A path's rounds summed up: medians of its rate, latencies, CPU per request, and of its ratios to
 * the same round's ceiling (rate / ceiling's rate; ceiling's CPU per request / this path's).
 */
function summarize(results: Round[], ceilingRounds: Round[]) {
  const ceilingOf = (round: number): Round | undefined => ceilingRounds[round];
  return {
    label: results[0]?.label ?? "",
    requestsPerSecond: median(results.map((r) => r.requestsPerSecond)),
    p50Ms: median(results.map((r) => r.p50Ms)),
    p99Ms: median(results.map((r) => r.p99Ms)),
    non2xx: results.reduce((sum, r) => sum + r.non2xx, 0),
    ratio: median(results.map((r, round) => r.requestsPerSecond / (ceilingOf(round)?.requestsPerSecond ?? Number.NaN))),
    cpuMicrosPerRequest: median(results.map((r) => r.cpuMicrosPerRequest)),
    cpuRatio: median(
      results.map((r, round) => (ceilingOf(round)?.cpuMicrosPerRequest ?? Number.NaN) / r.cpuMicrosPerRequest),
    ),
  };
}

/** One line of the throughput table: which worker, which path, with which credential. */
interface Scenario {
  label: string;
  on: "ceiling" | "gateway";
  path: string;
  headers?: Record<string, string>;
}

const upstream = await startUpstream();
const scriptPath = buildWorker();
// Rate limits would stop a latency run after a few logins: this run measures cost, not limits
// (`npm run bench:hammer` shows the limits at work).
const gateway = await startGateway(scriptPath, {
  extraBindings: { GATEWAY_ROUTES: benchRouteTable(upstream.url) },
  rateLimits: unlimited(),
  runtimeLog: GATEWAY_LOG,
});
const ceiling = await startCeiling(upstream.url);
const gatewayUrl = (path: string) => new URL(path, gateway.url).toString();
const tenant = await seedBenchTenant(gateway.db, gateway.user.publicId);

try {
  const json = { "Content-Type": "application/json" };
  const login = () =>
    fetch(gatewayUrl("/v1/auth/login"), {
      method: "POST",
      headers: { ...json, "User-Type": "user" },
      body: JSON.stringify({ email: gateway.user.email, password: gateway.user.password }),
    });
  const first = (await (await login()).json()) as { accessToken: string; refreshToken: string };
  const refreshBody = JSON.stringify({ refreshToken: first.refreshToken, userType: "user" });
  // PingPage's login: no User-Type, the session comes back as the `session_token` cookie.
  const cookieLogin = await fetch(gatewayUrl("/v1/auth/login"), {
    method: "POST",
    headers: json,
    body: JSON.stringify({ email: gateway.user.email, password: gateway.user.password }),
  });
  const sessionCookie = cookieLogin.headers
    .getSetCookie()
    .map((line) => line.split(";")[0] ?? "")
    .find((pair) => pair.startsWith("session_token="));
  if (!sessionCookie) throw new Error(`cookie login: HTTP ${cookieLogin.status}, no session cookie`);
  const apiKey = { "X-Ping-Api-Key": tenant.liveKey };

  const latencies = [
    await measureSequential("login (1 PBKDF2-SHA256 100k, 2 signs, 1 D1 read, 1 KV write)", 20, login),
    await measureSequential("Ping refresh (≤1 verify, 1 sign, ≤1 KV read)", 200, () =>
      fetch(gatewayUrl("/v1/auth/refresh"), { method: "POST", headers: json, body: refreshBody }),
    ),
  ];

  // A key's first request at an isolate is its cold path: the isolate cache and the location's
  // Cache API both miss, D1 is read (then the Cache API written, after the response), and the
  // key's first assertion is signed. Every later request within the cache lifetimes is warm. So
  // cold is measured one request at a time over fresh keys, next to the same warm request and the
  // ceiling measured the same way.
  const coldKeys = await tenant.issueFreshKeys(COLD_KEYS);
  const ceilingOnce = () => fetch(new URL("/bench/ping", ceiling.url), { headers: apiKey });
  const keyed = (key: string) => fetch(gatewayUrl("/bench/api-key/ping"), { headers: { "X-Ping-Api-Key": key } });
  for (let i = 0; i < 50; i++) await (await keyed(tenant.liveKey)).arrayBuffer();
  let nextColdKey = 0;
  const perRequest = [
    await measureSequential("ceiling: bare Hono pass-through", 500, ceilingOnce),
    await measureSequential("gateway, API key (warm: one key, again and again)", 500, () => keyed(tenant.liveKey)),
    await measureSequential(`gateway, API key (cold: first request of each of ${COLD_KEYS} keys)`, COLD_KEYS, () =>
      keyed(coldKeys[nextColdKey++] ?? ""),
    ),
  ];

  const bearer = { Authorization: `Bearer ${first.accessToken}`, "User-Type": "user" };
  const scenarios: Scenario[] = [
    // The ceiling gets the very same request (token included), so the load generator's work is identical.
    { label: "ceiling: bare Hono pass-through", on: "ceiling", path: "/bench/ping", headers: bearer },
    { label: "gateway, public route (no credential)", on: "gateway", path: "/bench/public/ping" },
    { label: "gateway, bearer JWT (warm)", on: "gateway", path: "/bench/bearer/ping", headers: bearer },
    { label: "gateway, API key (warm)", on: "gateway", path: "/bench/api-key/ping", headers: apiKey },
    {
      label: "gateway, cookie session (warm)",
      on: "gateway",
      path: "/bench/cookie/ping",
      headers: { Cookie: sessionCookie },
    },
  ];

  const urlOf = (scenario: Scenario) =>
    new URL(scenario.path, scenario.on === "ceiling" ? ceiling.url : gateway.url).toString();
  for (const scenario of scenarios) {
    // Warm the isolate (keys, route table, caches) and prove the path answers 200 before measuring.
    for (let i = 0; i < 50; i++) {
      const res = await fetch(urlOf(scenario), { headers: scenario.headers });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`${scenario.label}: HTTP ${res.status}`);
    }
  }
  // Rounds interleave the scenarios so that background load on a small machine falls on all of
  // them alike; each scenario reports its median round.
  const rounds: Round[][] = scenarios.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [index, scenario] of scenarios.entries()) {
      const cpuBefore = workerdCpuMicros();
      const summary = await measureThroughput(scenario.label, {
        url: urlOf(scenario),
        headers: scenario.headers,
        seconds: SECONDS_PER_ROUND,
      });
      const cpuAfter = workerdCpuMicros();
      const cpuMicrosPerRequest =
        cpuBefore === null || cpuAfter === null ? Number.NaN : (cpuAfter - cpuBefore) / summary.requests;
      rounds[index]?.push({ ...summary, cpuMicrosPerRequest });
    }
  }
  const throughput = rounds.map((results) => summarize(results, rounds[0] ?? []));

  console.log(`\nmachine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, node ${process.version}\n`);
  console.log("latency, one request at a time");
  for (const l of latencies) {
    console.log(
      `  ${l.label.padEnd(64)} mean ${l.meanMs.toFixed(2)} ms  p50 ${l.p50Ms.toFixed(2)} ms  p99 ${l.p99Ms.toFixed(2)} ms`,
    );
  }
  // Medians, not means: on a small shared machine a few GC or scheduling stalls dominate a mean.
  const ceilingOnceMs = perRequest[0]?.p50Ms ?? Number.NaN;
  console.log("\nforwarding one request at a time (ratio: the ceiling's p50 latency / this path's)");
  for (const l of perRequest) {
    console.log(
      `  ${l.label.padEnd(62)} mean ${l.meanMs.toFixed(2)} ms  p50 ${l.p50Ms.toFixed(2)} ms  p99 ${l.p99Ms.toFixed(2)} ms  ${(ceilingOnceMs / l.p50Ms).toFixed(2)}× ceiling`,
    );
  }
  console.log(
    `\nforwarding to a local upstream, 16 connections, ${ROUNDS} interleaved ${SECONDS_PER_ROUND} s rounds, medians. ` +
      "Ratios per round against that round's ceiling: rate / ceiling's rate, and ceiling's workerd CPU per " +
      "request / this path's (steadier on a machine whose speed drifts)",
  );
  for (const t of throughput) {
    const cpu = Number.isNaN(t.cpuMicrosPerRequest)
      ? ""
      : `  CPU ${t.cpuMicrosPerRequest.toFixed(0)} µs/req ${t.cpuRatio.toFixed(2)}×`;
    console.log(
      `  ${t.label.padEnd(44)} ${t.requestsPerSecond.toFixed(0).padStart(6)} req/s ${t.ratio.toFixed(2)}×  p50 ${t.p50Ms} ms  p99 ${t.p99Ms} ms${cpu}  non-2xx ${t.non2xx}`,
    );
  }
  console.log(
    `\nthe gateway's request log, one JSON line per request: ${gateway.runtimeLogLines()} lines in ${GATEWAY_LOG}`,
  );
} finally {
  await gateway.mf.dispose();
  await ceiling.mf.dispose();
  upstream.stop();
}
