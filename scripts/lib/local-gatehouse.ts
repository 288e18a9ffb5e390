/**
 * A throwaway local Gatehouse, started the way `npm run dev` starts it (wrangler dev with the demo
 * upstream, local D1 and KV, migrations applied, demo data seeded) but on a free port and in its
 * own persist directory, so it never touches `.wrangler/state` or another run. For the browser
 * tests and `npm run screenshots`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { demoApiKeySeedStatements } from "./demo-api-keys.ts";
import { DEMO_BUSINESS, demoSeedStatements } from "./demo-data.ts";
import { demoIdentitySeedStatements } from "./demo-identity-provider.ts";
import { generateSigningKeySet } from "./signing-keys.ts";
import { executeLocalSql, runWrangler, WRANGLER } from "./wrangler.ts";

export interface LocalGatehouse {
  baseUrl: string;
  /** Its local D1 and KV state, for tools that write there directly (`create-admin --persist-to`). */
  persistDir: string;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once the Worker answers, or rejects when wrangler exits first or `timeoutMs` passes. */
async function waitUntilServing(url: string, child: ChildProcess, timeoutMs: number, output: () => string) {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  child.once("exit", () => {
    exited = true;
  });
  while (Date.now() < deadline) {
    if (exited) throw new Error(`wrangler dev exited before serving:\n${output()}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`wrangler dev did not serve ${url} within ${timeoutMs} ms:\n${output()}`);
}

export interface LocalGatehouseOptions {
  timeoutMs?: number;
  /** `[vars]` to override, as `wrangler dev --var` takes them. */
  vars?: Record<string, string>;
}

export async function startLocalGatehouse(options: LocalGatehouseOptions = {}): Promise<LocalGatehouse> {
  const persistDir = mkdtempSync(join(tmpdir(), "gatehouse-local-"));
  const persist = ["--persist-to", persistDir];
  runWrangler(["d1", "migrations", "apply", "DB", "--local", ...persist]);
  executeLocalSql(
    [
      ...(await demoSeedStatements()),
      ...(await demoApiKeySeedStatements()),
      ...demoIdentitySeedStatements(DEMO_BUSINESS.publicId),
    ],
    persist,
  );
  const [port, inspectorPort] = [await freePort(), await freePort()];
  const keys = await generateSigningKeySet(["ES256"]);
  const child = spawn(
    WRANGLER,
    [
      "dev",
      ...["-c", "wrangler.toml", "-c", "demo/upstream/wrangler.toml"],
      ...["--port", String(port), "--inspector-port", String(inspectorPort), "--ip", "127.0.0.1"],
      ...persist,
      ...["--var", `ISSUER:http://127.0.0.1:${port}`, "--var", `SIGNING_KEYS:${keys}`],
      ...Object.entries(options.vars ?? {}).flatMap(([name, value]) => ["--var", `${name}:${value}`]),
      "--show-interactive-dev-session=false",
    ],
    {
      env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false" },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    },
  );
  let output = "";
  child.stdout?.on("data", (chunk) => {
    output = (output + chunk).slice(-20_000);
  });
  child.stderr?.on("data", (chunk) => {
    output = (output + chunk).slice(-20_000);
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.pid) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      process.kill(-child.pid, "SIGTERM");
      await exited;
    }
    rmSync(persistDir, { recursive: true, force: true });
  };
  try {
    await waitUntilServing(`${baseUrl}/dashboard/sign-in`, child, options.timeoutMs ?? 180_000, () => output);
  } catch (err) {
    await stop();
    throw err;
  }
  return { baseUrl, persistDir, stop };
}
