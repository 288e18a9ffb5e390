import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import ts from "typescript";
import { defineConfig } from "vitest/config";
import { generateSigningKeySet } from "./scripts/lib/signing-keys.ts";

// wrangler.toml's `[build]`, which the pool does not run: the static assets the Worker serves.
execFileSync(join("node_modules", ".bin", "tsx"), ["scripts/build-assets.ts"], { stdio: "inherit" });

/**
 * A slow origin, a real peer behind a service binding: `/stall` sends its headers only after
 * 2 s; `/drip` sends its headers at once and then five chunks 60 ms apart; `/throw` throws (an
 * exception whose message names a user) and `/thrown` says how many times it did. It shows how the
 * runtime's own abort signal treats a route's timeout, which a stubbed `fetch` could not.
 */
const SLOW_ORIGIN_SCRIPT = `
const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
let thrown = 0;
export default {
  async fetch(request) {
    const { pathname } = new URL(request.url);
    if (pathname.endsWith("/throw")) {
      thrown += 1;
      throw new Error("bound service failed for alice@example.com");
    }
    if (pathname.endsWith("/thrown")) return new Response(String(thrown));
    if (pathname.endsWith("/stall")) {
      await wait(2000);
      return new Response("late");
    }
    const encoder = new TextEncoder();
    const { readable, writable } = new TransformStream();
    const drip = async () => {
      const writer = writable.getWriter();
      for (let i = 0; i < 5; i++) {
        await wait(60);
        await writer.write(encoder.encode("chunk " + i + "\\n"));
      }
      await writer.close();
    };
    drip();
    return new Response(readable, { headers: { "Content-Type": "text/plain" } });
  },
};
`;

/** The demo origin as plain JavaScript: auxiliary workers are not run through Vite. */
function demoUpstreamScript(): string {
  const source = readFileSync("./demo/upstream/src/index.ts", "utf8");
  return ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  }).outputText;
}

export default defineConfig({
  test: {
    // The per-request access log is one JSON line per request; keep test output readable.
    onConsoleLog: (log) => !log.startsWith('{"level":"info"'),
    projects: [
      {
        // wrangler.toml's `[alias]`: the pool does not read it, and the tests must run what deploys.
        resolve: {
          alias: [
            { find: /^zod$/, replacement: fileURLToPath(new URL("./src/lean-zod/index.ts", import.meta.url)) },
            {
              find: /^@asteasolutions\/zod-to-openapi$/,
              replacement: fileURLToPath(new URL("./src/lean-openapi/index.ts", import.meta.url)),
            },
          ],
        },
        plugins: [
          cloudflareTest(async () => ({
            main: "./src/index.ts",
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                // Fresh keys per run: an ES256 signer plus an EdDSA key that only verifies.
                SIGNING_KEYS: await generateSigningKeySet(["ES256", "EdDSA"]),
                // wrangler also reads `.dev.vars`, where `npm run dev` keeps its pepper: the tests
                // start without one whether or not the local gateway ever ran (tests add their own).
                PASSWORD_PEPPERS: "",
                TEST_MIGRATIONS: await readD1Migrations("./migrations"),
                // The tests' trusted dashboard, independent of the dev value in wrangler.toml.
                CORS_ALLOWED_ORIGINS: "https://dashboard.example.com",
                // Every kind of gateway route the tests drive, in place of the demo table.
                GATEWAY_ROUTES: readFileSync("./test/support/gateway-routes.json", "utf8"),
              },
              serviceBindings: { DEMO_UPSTREAM: "demo-upstream", SLOW_ORIGIN: "slow-origin" },
              workers: [
                { name: "demo-upstream", modules: true, script: demoUpstreamScript(), compatibilityDate: "2026-04-01" },
                { name: "slow-origin", modules: true, script: SLOW_ORIGIN_SCRIPT, compatibilityDate: "2026-04-01" },
              ],
            },
          })),
        ],
        test: {
          name: "workers",
          include: [
            "test/unit/**/*.test.ts",
            "test/integration/**/*.test.ts",
            "test/attack/**/*.test.ts",
            "test/faults/**/*.test.ts",
          ],
          setupFiles: ["./test/setup.ts"],
          // Storage is shared by the whole run, and the attack suite asserts that nothing anywhere in D1
          // or KV changed across each bad request: no other file may write while it runs.
          fileParallelism: false,
          // Generous bounds, not timings: on a loaded 2-core machine a test that takes 2 s when idle can
          // take 10, and a timeout must only ever mean a hang. Speed is measured in `npm run bench`.
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        // Against a local `wrangler dev`, as a user drives it: the dashboard in Chromium
        // (docs/dashboard.md), the quickstart and the CLI. Node, one file at a time, bounds long
        // enough for wrangler to start on a loaded machine.
        test: {
          name: "local",
          include: ["test/browser/**/*.test.ts", "test/local/**/*.test.ts"],
          environment: "node",
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
