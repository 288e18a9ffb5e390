/**
 * `npm run bench`: the bundled gateway in workerd (Miniflare API, no wrangler proxy), driven over
 * loopback. Prints per-request latency of login and refresh (sequential, so close to CPU time on
 * an idle machine); then forwarding one request at a time for the API-key path, cold (a key's
 * first request) and warm, next to the ceiling; then forwarding throughput: a bare Hono
 * pass-through to a local upstream (the ceiling) and the gateway forwarding to the same upstream
 * on each path (public, bearer JWT, API key, cookie session), each with its ratio to the ceiling;
 * and the API-key path once more with `LOG_FORWARDED_REQUESTS = "true"`, to show what logging
 * every forwarded request at the edge costs.
 */
import os from "node:os";
import { benchCredentials, logIn } from "./lib/bench-credentials.ts";
import { benchRouteTable } from "./lib/bench-routes.ts";
import { seedBenchTenant } from "./lib/bench-tenant.ts";
import { buildWorker, startCeiling, startGateway, unlimited } from "./lib/gateway-under-test.ts";
import { measureSequential, measureThroughput, type ThroughputSummary } from "./lib/measure.ts";
import { startUpstream } from "./lib/upstream-server.ts";
import { workerdCpuMicros } from "./lib/workerd-cpu.ts";

/**
 * This small shared machine changes speed by a third within seconds, so every measurement of a
 * path comes right after a measurement of the ceiling, and the path's ratio is taken against that
 * one: drift then falls on both sides of each ratio alike. Each round measures every path once
 * this way, in a rotating order. Single pairs still range from about 0.6× to 1.3×, so the median
 * is taken over sixteen of them.
 */
const ROUNDS = 16;
/** How many never-presented keys the cold API-key measurement uses, one request each. */
const COLD_KEYS = 200;
const SECONDS_PER_MEASUREMENT = 2;
/**
 * The gateway's request log (a JSON line per request it answers itself; forwarded requests only
 * with `LOG_FORWARDED_REQUESTS`, off by default) goes here rather than to the terminal.
 */
const GATEWAY_LOG = ".bench/gateway.log";
const LOGGED_GATEWAY_LOG = ".bench/gateway-logging-forwards.log";

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted[Math.floor(sorted.length / 2)];
  if (middle === undefined) throw new Error("no measurements");
  return middle;
}

interface Measurement extends ThroughputSummary {
  /** workerd's CPU time per request during this measurement (NaN without `/proc`). */
  cpuMicrosPerRequest: number;
}

/** A measurement of a path together with the ceiling's, taken just before it. */
interface Pair {
  path: Measurement;
  ceiling: Measurement;
}

function medians(measurements: Measurement[]) {
  return {
    label: measurements[0]?.label ?? "",
    requestsPerSecond: median(measurements.map((m) => m.requestsPerSecond)),
    p50Ms: median(measurements.map((m) => m.p50Ms)),
    p99Ms: median(measurements.map((m) => m.p99Ms)),
    non2xx: measurements.reduce((sum, m) => sum + m.non2xx, 0),
    cpuMicrosPerRequest: median(measurements.map((m) => m.cpuMicrosPerRequest)),
  };
}

/**
 * A path's pairs summed up: medians of its own numbers and of its two ratios to the ceiling
 * measured just before (rate / ceiling's rate; ceiling's CPU per request / this path's).
 */
function summarize(pairs: Pair[]) {
  const ratios = pairs.map(({ path, ceiling }) => path.requestsPerSecond / ceiling.requestsPerSecond);
  return {
    ...medians(pairs.map((pair) => pair.path)),
    ratio: median(ratios),
    ratioSpread: `${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}`,
    cpuRatio: median(pairs.map(({ path, ceiling }) => ceiling.cpuMicrosPerRequest / path.cpuMicrosPerRequest)),
  };
}

/** One line of the throughput table: which worker, which path, with which credential. */
interface Scenario {
  label: string;
  on: "ceiling" | "gateway" | "gateway logging forwards";
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
// The same gateway, configured to log every forwarded request as well.
const loggingGateway = await startGateway(scriptPath, {
  extraBindings: { GATEWAY_ROUTES: benchRouteTable(upstream.url), LOG_FORWARDED_REQUESTS: "true" },
  rateLimits: unlimited(),
  runtimeLog: LOGGED_GATEWAY_LOG,
});
await seedBenchTenant(loggingGateway.db, loggingGateway.user.publicId);
const ceiling = await startCeiling(upstream.url);
const gatewayUrl = (path: string) => new URL(path, gateway.url).toString();
const tenant = await seedBenchTenant(gateway.db, gateway.user.publicId);

try {
  const json = { "Content-Type": "application/json" };
  const login = () => logIn(gateway.url, gateway.user, { "User-Type": "user" });
  const credentials = await benchCredentials(gateway.url, gateway.user, tenant.liveKey);
  const refreshBody = JSON.stringify({ refreshToken: credentials.refreshToken, userType: "user" });
  const { apiKey, bearer } = credentials;

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
      headers: credentials.cookie,
    },
    // The demo keys are seeded alike in both gateways, so the same key works on this one.
    {
      label: "gateway, API key (warm), forwards logged",
      on: "gateway logging forwards",
      path: "/bench/api-key/ping",
      headers: apiKey,
    },
  ];

  const baseOf = { ceiling: ceiling.url, gateway: gateway.url, "gateway logging forwards": loggingGateway.url };
  const urlOf = (scenario: Scenario) => new URL(scenario.path, baseOf[scenario.on]).toString();
  for (const scenario of scenarios) {
    // Warm the isolate (keys, route table, caches) and prove the path answers 200 before measuring.
    for (let i = 0; i < 50; i++) {
      const res = await fetch(urlOf(scenario), { headers: scenario.headers });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`${scenario.label}: HTTP ${res.status}`);
    }
  }
  const measure = async (scenario: Scenario): Promise<Measurement> => {
    const cpuBefore = workerdCpuMicros();
    const summary = await measureThroughput(scenario.label, {
      url: urlOf(scenario),
      headers: scenario.headers,
      seconds: SECONDS_PER_MEASUREMENT,
    });
    const cpuAfter = workerdCpuMicros();
    const cpuMicrosPerRequest =
      cpuBefore === null || cpuAfter === null ? Number.NaN : (cpuAfter - cpuBefore) / summary.requests;
    return { ...summary, cpuMicrosPerRequest };
  };
  const [ceilingScenario, ...pathScenarios] = scenarios;
  if (!ceilingScenario) throw new Error("no ceiling");
  const pairs: Pair[][] = pathScenarios.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    for (let step = 0; step < pathScenarios.length; step++) {
      const index = (round + step) % pathScenarios.length;
      const scenario = pathScenarios[index];
      if (!scenario) continue;
      const ceilingMeasurement = await measure(ceilingScenario);
      pairs[index]?.push({ ceiling: ceilingMeasurement, path: await measure(scenario) });
    }
  }
  const ceilingSummary = {
    ...medians(pairs.flat().map((pair) => pair.ceiling)),
    ratio: 1,
    ratioSpread: "",
    cpuRatio: 1,
  };
  const throughput = [ceilingSummary, ...pairs.map(summarize)];

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
    `\nforwarding to a local upstream, 16 connections: each path measured ${ROUNDS} times for ${SECONDS_PER_MEASUREMENT} s, ` +
      "each time right after the ceiling; medians. Ratios against the ceiling measured just before: rate / its rate " +
      "(median, then the lowest and highest of the pairs), and its workerd CPU per request / this path's",
  );
  for (const t of throughput) {
    const cpu = Number.isNaN(t.cpuMicrosPerRequest)
      ? ""
      : `  CPU ${t.cpuMicrosPerRequest.toFixed(0)} µs/req ${t.cpuRatio.toFixed(2)}×`;
    console.log(
      `  ${t.label.padEnd(44)} ${t.requestsPerSecond.toFixed(0).padStart(6)} req/s ${t.ratio.toFixed(2)}× ${t.ratioSpread.padEnd(9)}  p50 ${t.p50Ms} ms  p99 ${t.p99Ms} ms${cpu}  non-2xx ${t.non2xx}`,
    );
  }
  console.log(
    `\nthe gateway's request log (its own endpoints and refusals; forwarded requests are the origin's to log): ` +
      `${gateway.runtimeLogLines()} lines in ${GATEWAY_LOG}; with LOG_FORWARDED_REQUESTS = "true": ` +
      `${loggingGateway.runtimeLogLines()} lines in ${LOGGED_GATEWAY_LOG}`,
  );
} finally {
  await gateway.mf.dispose();
  await loggingGateway.mf.dispose();
  await ceiling.mf.dispose();
  upstream.stop();
}
