import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { generateSigningKeySet } from "../../scripts/lib/signing-keys";

/** `npm run check:config` as an operator runs it, and as `npm run deploy` runs it before uploading. */

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), "gatehouse-check-config-"));
const PEPPER = `p1:${"ab".repeat(32)}`;
const SIGNING_KEYS = await generateSigningKeySet(["ES256"]);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function varsFile(name: string, vars: Record<string, string>): string {
  const path = join(dir, name);
  writeFileSync(
    path,
    Object.entries(vars)
      .map(([key, value]) => `${key}='${value}'\n`)
      .join(""),
  );
  return path;
}

async function checkConfig(args: string[]) {
  try {
    const { stdout, stderr } = await run("npx", ["tsx", "scripts/check-config.ts", ...args], { timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? 1, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
  }
}

describe("check:config and the production pepper", () => {
  const production = () => varsFile("production.vars", { ISSUER: "https://auth.example.com", SIGNING_KEYS });

  /** The check `npm run deploy` runs before uploading, with its own arguments. */
  function deployStep(): string[] {
    const deploy = (JSON.parse(readFileSync("package.json", "utf8")) as { scripts: Record<string, string> }).scripts
      .deploy;
    const step = deploy?.split(" && ")[0]?.split(" ") ?? [];
    expect(step.slice(0, 2)).toEqual(["tsx", "scripts/check-config.ts"]);
    return step.slice(2);
  }

  it("refuses to deploy the repository's configuration as it ships: ISSUER is still localhost", async () => {
    const result = await checkConfig(deployStep());
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("ISSUER is http://localhost:8787, a local-development origin");
    expect(result.stderr).toContain("docs/deploying.md");
  });

  it("passes the deploy step with a production ISSUER, noting the demo origin still bound", async () => {
    const args = deployStep().map((arg) =>
      arg === "/dev/null" ? varsFile("deploy.vars", { ISSUER: "https://auth.example.com" }) : arg,
    );
    const result = await checkConfig(args);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^Configuration OK/);
    expect(result.stdout).toContain("Note: wrangler.toml still binds the demo origin (DEMO_UPSTREAM)");
  });

  it("refuses a production ISSUER without PASSWORD_PEPPERS when the secrets are given to it", async () => {
    const result = await checkConfig(["--vars", production()]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/PASSWORD_PEPPERS is required when ISSUER is not on localhost/);
    expect(result.stderr).toContain("npx wrangler secret put PASSWORD_PEPPERS");
  });

  it("accepts it with a pepper", async () => {
    const result = await checkConfig([
      "--vars",
      varsFile("peppered.vars", { ISSUER: "https://auth.example.com", PASSWORD_PEPPERS: PEPPER, SIGNING_KEYS }),
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).not.toMatch(/Not checked/);
  });

  it("with --without-secrets, says the pepper was not seen instead of refusing", async () => {
    const result = await checkConfig(["--vars", production(), "--without-secrets"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/Not checked: the Workers secret PASSWORD_PEPPERS/);
  });

  it("with --without-secrets, still refuses a malformed pepper it is given", async () => {
    const vars = varsFile("short.vars", { ISSUER: "https://auth.example.com", PASSWORD_PEPPERS: "p1:abcd" });
    const result = await checkConfig(["--vars", vars, "--without-secrets"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/pepper "p1" must be hex of at least 32 bytes/);
  });

  it("accepts a localhost ISSUER without a pepper, and says nothing about it", async () => {
    const result = await checkConfig([
      "--vars",
      varsFile("local.vars", { ISSUER: "http://localhost:8787", SIGNING_KEYS }),
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).not.toMatch(/PASSWORD_PEPPERS/);
  });
});

describe("check:config and its own input", () => {
  it("refuses a missing binding by name: a rate limiter left out of wrangler.toml", async () => {
    const toml = readFileSync("wrangler.toml", "utf8");
    const without = toml.replace(/\[\[ratelimits\]\]\nname = "API_KEY_FAILURE_IP_LIMITER"[^\n]*\n[^\n]*\n[^\n]*\n/, "");
    expect(without).not.toBe(toml);
    const config = join(dir, "wrangler.toml");
    writeFileSync(config, without);
    const result = await checkConfig(["--config", config]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("the binding API_KEY_FAILURE_IP_LIMITER is missing");
  });

  it.each([
    [["--bogus"], "Unknown option '--bogus'"],
    [["--vars", "/nonexistent/vars"], "--vars /nonexistent/vars: no such file"],
    [["--config", "nope.toml"], "--config nope.toml: no such file"],
    [["--env", "production"], "--env production: wrangler.toml defines no [env.production]"],
  ])("refuses %j with a message, never a stack trace", async (args, message) => {
    const result = await checkConfig(args);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});

describe("check:config and the signing keys", () => {
  it.each([
    ["missing", {}, "SIGNING_KEYS is required"],
    ["not JSON", { SIGNING_KEYS: "{not json" }, "SIGNING_KEYS is not valid JSON"],
    [
      "an empty set",
      { SIGNING_KEYS: '{"keys":[]}' },
      "SIGNING_KEYS is not a valid key set (keys): must hold at least one key",
    ],
    [
      "a public key only",
      { SIGNING_KEYS: JSON.stringify({ keys: [{ ...JSON.parse(SIGNING_KEYS).keys[0], d: undefined }] }) },
      "SIGNING_KEYS is not a valid key set (keys.0): each key must be a private ES256",
    ],
    [
      "well formed but off its curve",
      {
        SIGNING_KEYS: JSON.stringify({
          keys: [{ ...JSON.parse(SIGNING_KEYS).keys[0], y: JSON.parse(SIGNING_KEYS).keys[0].x }],
        }),
      },
      "SIGNING_KEYS holds a key that cannot sign or verify",
    ],
    [
      "an HMAC key",
      { SIGNING_KEYS: JSON.stringify({ keys: [{ kty: "oct", k: "c2VjcmV0", alg: "HS256", kid: "k1" }] }) },
      "SIGNING_KEYS is not a valid key set (keys.0)",
    ],
  ])("refuses a key set that is %s, naming the secret", async (_story, vars, refusal) => {
    const result = await checkConfig(["--vars", varsFile("keys.vars", { ISSUER: "http://localhost:8787", ...vars })]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(refusal);
  });

  it("with the secrets out of sight, says it could not check them", async () => {
    const result = await checkConfig(["--vars", varsFile("none.vars", {}), "--without-secrets"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/Not checked: the Workers secret SIGNING_KEYS/);
  });
});
