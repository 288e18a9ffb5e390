/**
 * `npm run bench`: the bundled gateway in workerd (Miniflare API, no wrangler proxy), driven over
 * loopback. Prints per-request latency of login and refresh (sequential, so close to CPU time on
 * an idle machine) and throughput of the authenticated session check.
 */
import os from "node:os";
import { buildWorker, startGateway, unlimited } from "./lib/gateway-under-test.ts";
import { measureSequential, measureThroughput } from "./lib/measure.ts";

const scriptPath = buildWorker();
// Rate limits would stop a latency run after a few logins: this run measures cost, not limits
// (`npm run bench:hammer` shows the limits at work).
const { mf, url, user } = await startGateway(scriptPath, { rateLimits: unlimited() });
const endpoint = (path: string) => new URL(path, url).toString();

try {
  const json = { "Content-Type": "application/json" };
  const login = () =>
    fetch(endpoint("/v1/auth/login"), {
      method: "POST",
      headers: { ...json, "User-Type": "user" },
      body: JSON.stringify({ email: user.email, password: user.password }),
    });
  const first = (await (await login()).json()) as { accessToken: string; refreshToken: string };
  const refreshBody = JSON.stringify({ refreshToken: first.refreshToken, userType: "user" });

  const latencies = [
    await measureSequential("login (1 PBKDF2-SHA256 100k, 2 signs, 1 D1 read, 1 KV write)", 20, login),
    await measureSequential("Ping refresh (1 verify, 1 sign, ≤1 KV read)", 200, () =>
      fetch(endpoint("/v1/auth/refresh"), { method: "POST", headers: json, body: refreshBody }),
    ),
  ];
  const bearer = { Authorization: `Bearer ${first.accessToken}`, "User-Type": "user" };
  const throughput = [
    await measureThroughput("GET /v1/auth/session (bearer JWT)", {
      url: endpoint("/v1/auth/session"),
      headers: bearer,
    }),
  ];

  console.log(`\nmachine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, node ${process.version}\n`);
  console.log("latency, one request at a time");
  for (const l of latencies) {
    console.log(
      `  ${l.label.padEnd(64)} mean ${l.meanMs.toFixed(2)} ms  p50 ${l.p50Ms.toFixed(2)} ms  p99 ${l.p99Ms.toFixed(2)} ms`,
    );
  }
  console.log("\nthroughput, 16 connections");
  for (const t of throughput) {
    console.log(
      `  ${t.label.padEnd(64)} ${t.requestsPerSecond.toFixed(0)} req/s  p50 ${t.p50Ms} ms  p99 ${t.p99Ms} ms  non-2xx ${t.non2xx}`,
    );
  }
} finally {
  await mf.dispose();
}
