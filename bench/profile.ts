/**
 * `npm run bench:profile -- <public|bearer|api-key|api-key-cold|cookie|pers|login> [isolates]`:
 * loads one gateway path as the bench does (`login`: the bench user's Ping login, again and again;
 * `api-key-cold`: a new API key on every request) and
 * records V8's CPU profile through workerd's inspector: of the worker, or of the isolates named
 * (e.g. `d1:db,kv:ns`, Miniflare's simulations). Writes `.bench/<path>.<isolate>.cpuprofile` (open
 * it in Chrome DevTools' Performance panel) and prints the functions with the most self time. The
 * inspector inflates `console.log`, which it also receives, so the request log's share reads high.
 */
import { writeFileSync } from "node:fs";
import autocannon from "autocannon";
import WebSocket from "ws";
import { benchCredentials } from "./lib/bench-credentials.ts";
import { benchRouteTable } from "./lib/bench-routes.ts";
import { seedBenchTenant } from "./lib/bench-tenant.ts";
import { buildWorker, startGateway, unlimited } from "./lib/gateway-under-test.ts";
import { startUpstream } from "./lib/upstream-server.ts";

const PATHS = ["public", "bearer", "api-key", "api-key-cold", "cookie", "pers", "login"] as const;
/** `api-key-cold`: this many never-presented keys, one request each (the cold API-key path). */
const COLD_KEYS = 6_000;
type ProfiledPath = (typeof PATHS)[number];
const INSPECTOR_PORT = 9333;
const SECONDS = 8;
const TOP = 30;

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
}

/** A minimal Chrome DevTools Protocol client: one command at a time, answers matched by id. */
async function inspect(url: string) {
  const socket = new WebSocket(url);
  await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
  let lastId = 0;
  const send = (method: string, params: object = {}) =>
    new Promise<{ result: Record<string, unknown> }>((resolve) => {
      const id = ++lastId;
      const onMessage = (data: WebSocket.RawData) => {
        const message = JSON.parse(String(data)) as { id?: number; result: Record<string, unknown> };
        if (message.id !== id) return;
        socket.off("message", onMessage);
        resolve(message);
      };
      socket.on("message", onMessage);
      socket.send(JSON.stringify({ id, method, params }));
    });
  return { send, close: () => socket.close() };
}

function selfTimes(profile: CpuProfile): [string, number][] {
  const names = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const counts = new Map<string, number>();
  for (const sample of profile.samples) {
    const frame = names.get(sample);
    const name = frame ? `${frame.functionName || "(anonymous)"} ${frame.url ? `:${frame.lineNumber}` : ""}` : "?";
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1]).map(([name, count]) => [name, count / profile.samples.length]);
}

const path = (process.argv[2] ?? "api-key") as ProfiledPath;
/**
 * Which isolates to profile: the worker by default, or a comma-separated list such as
 * `d1:db,kv:ns:bench-kv`. Isolates share workerd's thread, so profiling several at once slows
 * each other down: their figures are comparable one at a time.
 */
const isolates = (process.argv[3] ?? "core:user:").split(",");
if (!PATHS.includes(path)) throw new Error(`path must be one of ${PATHS.join(", ")}`);

const upstream = await startUpstream();
const gateway = await startGateway(
  buildWorker("wrangler.toml", ".bench/profile-build", "index.js", { readableNames: true }),
  {
    extraBindings: { GATEWAY_ROUTES: benchRouteTable(upstream.url) },
    rateLimits: unlimited(),
    runtimeLog: ".bench/profile.log",
    inspectorPort: INSPECTOR_PORT,
  },
);
try {
  const tenant = await seedBenchTenant(gateway.db, gateway.user.publicId);
  const credentials = await benchCredentials(gateway.url, gateway.user, tenant);
  const forwarded = {
    public: {},
    bearer: credentials.bearer,
    "api-key": credentials.apiKey,
    "api-key-cold": {},
    cookie: credentials.cookie,
    pers: credentials.pers,
  };
  const request =
    path === "login"
      ? {
          url: new URL("/v1/auth/login", gateway.url).toString(),
          method: "POST" as const,
          headers: { "Content-Type": "application/json", "User-Type": "user" },
          body: JSON.stringify({ email: gateway.user.email, password: gateway.user.password }),
        }
      : {
          url: new URL(`/bench/${path === "api-key-cold" ? "api-key" : path}/ping`, gateway.url).toString(),
          method: "GET" as const,
          headers: forwarded[path],
        };
  const coldKeys = path === "api-key-cold" ? await tenant.issueFreshKeys(COLD_KEYS) : [];
  const nextColdKey = () => ({ "X-Ping-Api-Key": coldKeys.pop() ?? "" });
  for (let i = 0; i < (path === "login" ? 20 : 200); i++) {
    const res = await fetch(request.url, coldKeys.length > 0 ? { ...request, headers: nextColdKey() } : request);
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status}`);
  }
  // workerd names the user worker's inspector target `core:user:<name>`; Miniflare's simulations of
  // D1, KV and the Cache API run as isolates of their own (`d1:…`, `kv:…`, `cache:…`), and
  // `core:entry` is its proxy in front of the worker.
  const targets = (await (await fetch(`http://127.0.0.1:${INSPECTOR_PORT}/json`)).json()) as {
    webSocketDebuggerUrl: string;
  }[];
  const inspectors = await Promise.all(
    targets
      .filter((t) => isolates.some((name) => t.webSocketDebuggerUrl.endsWith(`/${name}`)))
      .map(async (t) => ({
        name: t.webSocketDebuggerUrl.split("/").pop() ?? "?",
        ...(await inspect(t.webSocketDebuggerUrl)),
      })),
  );
  if (inspectors.length === 0) {
    const names = targets.map((t) => t.webSocketDebuggerUrl.split("/").pop()).join(", ");
    throw new Error(`no inspector target among ${isolates.join(", ")} (there are: ${names})`);
  }
  for (const inspector of inspectors) {
    await inspector.send("Profiler.enable");
    await inspector.send("Profiler.setSamplingInterval", { interval: 100 });
    await inspector.send("Profiler.start");
  }
  const cold =
    coldKeys.length > 0
      ? {
          amount: coldKeys.length,
          requests: [
            {
              setupRequest: (req: autocannon.Request) => ({ ...req, headers: { ...req.headers, ...nextColdKey() } }),
            },
          ],
        }
      : {};
  const load = await autocannon({ ...request, connections: path === "login" ? 4 : 16, duration: SECONDS, ...cold });
  const profiles = await Promise.all(
    inspectors.map(async (inspector) => {
      const { result } = await inspector.send("Profiler.stop");
      inspector.close();
      return { name: inspector.name, profile: result.profile as CpuProfile };
    }),
  );
  const requests = load.requests.total;
  console.log(`${path}: ${load.requests.average.toFixed(0)} req/s under the profiler (${requests} requests)`);
  for (const { name, profile } of profiles) {
    writeFileSync(`.bench/${path}.${name.replaceAll(":", "_")}.cpuprofile`, JSON.stringify(profile));
  }
  for (const { name, profile } of profiles) {
    console.log(`${name}: share of samples by function (self time), top ${TOP}:`);
    for (const [frame, share] of selfTimes(profile).slice(0, TOP)) {
      console.log(`  ${(share * 100).toFixed(1).padStart(5)}%  ${frame}`);
    }
  }
} finally {
  await gateway.mf.dispose();
  upstream.stop();
}
