import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { generateSigningKeySet } from "./scripts/lib/signing-keys.ts";

export default defineConfig({
  plugins: [
    cloudflareTest(async () => ({
      main: "./src/index.ts",
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: {
          // Fresh keys per run: an ES256 signer plus an EdDSA key that only verifies.
          SIGNING_KEYS: await generateSigningKeySet(["ES256", "EdDSA"]),
          TEST_MIGRATIONS: await readD1Migrations("./migrations"),
          // The tests' trusted dashboard, independent of the dev value in wrangler.toml.
          CORS_ALLOWED_ORIGINS: "https://dashboard.example.com",
        },
      },
    })),
  ],
  test: {
    include: ["test/unit/**/*.test.ts", "test/integration/**/*.test.ts", "test/attack/**/*.test.ts"],
    setupFiles: ["./test/setup.ts"],
    // Storage is shared by the whole run, and the attack suite asserts that nothing anywhere in D1
    // or KV changed across each bad request: no other file may write while it runs.
    fileParallelism: false,
    // The per-request access log is one JSON line per request; keep test output readable.
    onConsoleLog: (log) => !log.startsWith('{"level":"info"'),
  },
});
