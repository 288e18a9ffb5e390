import { execFile, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import type { Command } from "commander";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildProgram } from "../../cli/program.ts";
import { DEMO_API_KEYS } from "../../scripts/lib/demo-api-keys.ts";
import { type LocalGatehouse, startLocalGatehouse } from "../../scripts/lib/local-gatehouse.ts";

const run = promisify(execFile);
const DEMO_BUSINESS_ID = "00000000-0000-4000-8000-000000000001";

/** The newcomer's path as a user walks it: the quickstart and the CLI against a local Gatehouse. */

let gatehouse: LocalGatehouse;
let configHome: string;

beforeAll(async () => {
  gatehouse = await startLocalGatehouse();
  configHome = mkdtempSync(join(tmpdir(), "gatehouse-cli-"));
});

afterAll(async () => {
  await gatehouse?.stop();
  if (configHome) rmSync(configHome, { recursive: true, force: true });
});

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

async function outcome(
  command: string,
  args: string[],
  input?: string,
  env: Record<string, string> = {},
  cwd?: string,
) {
  const child = run(command, args, {
    cwd,
    env: { ...process.env, XDG_CONFIG_HOME: configHome, GATEHOUSE_URL: gatehouse.baseUrl, ...env },
    maxBuffer: 10_000_000,
    timeout: 240_000,
  });
  if (input !== undefined) {
    child.child.stdin?.end(input);
  } else {
    child.child.stdin?.end();
  }
  try {
    const { stdout, stderr } = await child;
    return { code: 0, stdout, stderr } satisfies Outcome;
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? 1, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" } satisfies Outcome;
  }
}

const gatehouseCli = (args: string[], input?: string, env?: Record<string, string>) =>
  outcome("node", ["bin/gatehouse.mjs", ...args], input, env);

/** A CLI command that keeps running (`audit tail --follow`): its output so far, waited on by content. */
function runningCli(args: string[]) {
  const child = spawn("node", ["bin/gatehouse.mjs", ...args], {
    env: { ...process.env, XDG_CONFIG_HOME: configHome, GATEHOUSE_URL: gatehouse.baseUrl },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  return {
    stdout: () => stdout,
    /** Resolves once stdout holds `text`; fails with the output if the command ends or 60 s pass. */
    async waitFor(text: string) {
      const deadline = Date.now() + 60_000;
      while (!stdout.includes(text)) {
        if (child.exitCode !== null || Date.now() > deadline) {
          throw new Error(`no ${text} in:\n${stdout}\n${stderr}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async stop() {
      child.kill();
      await exited;
    },
  };
}

function json(result: Outcome): Record<string, unknown> {
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

describe("the README's quickstart", () => {
  it("is docs/quickstart.sh, shown whole in the README", () => {
    const script = readFileSync("docs/quickstart.sh", "utf8").trimEnd();
    expect(readFileSync("README.md", "utf8")).toContain(script);
  });

  it("runs top to bottom against a fresh local Gatehouse, each step giving what it promises", async () => {
    // Its own config home: the quickstart signs the CLI in, the CLI tests below start signed out.
    const quickstartHome = join(configHome, "quickstart");
    // Only GATEHOUSE, as a reader would set it: the script points the CLI there too.
    const result = await outcome("bash", ["docs/quickstart.sh"], undefined, {
      GATEHOUSE: gatehouse.baseUrl,
      GATEHOUSE_URL: "",
      XDG_CONFIG_HOME: quickstartHome,
    });
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    const lines = result.stdout.split("\n");
    const lineAfter = (step: string) => lines[lines.findIndex((line) => line.startsWith(`== ${step}`)) + 1];
    expect(lineAfter("2.")).toBe("00000000-0000-4000-8000-0000000000b1");
    expect(lineAfter("5.")).toBe("/sandbox/v1/notification/api/sms/send");
    expect(result.stdout).toMatch(/revoked\n401\n/);
    expect(lineAfter("8.")).toBe("ursula@example.com");
    expect(lineAfter("9.")).toBe("true");
    expect(result.stdout).toMatch(/success\n204\n401\n/);
    expect(result.stdout).toContain("Acme Corp");
    expect(result.stdout.trimEnd().endsWith("Quickstart done.")).toBe(true);
  });
});

describe("npx gatehouse", () => {
  function commandPaths(command: Command, prefix: string[] = []): string[][] {
    return command.commands.flatMap((sub) => {
      const path = [...prefix, sub.name()];
      return [path, ...commandPaths(sub, path)];
    });
  }

  it("answers --help for every command", async () => {
    const paths = commandPaths(buildProgram()).filter((path) => path[0] !== "help");
    expect(paths.length).toBeGreaterThan(20);
    for (const path of [[], ...paths]) {
      const result = await gatehouseCli([...path, "--help"]);
      expect(result.code, path.join(" ")).toBe(0);
      expect(result.stdout, path.join(" ")).toContain("Usage: gatehouse");
    }
  });

  it("refuses to run admin commands before login, naming the fix", async () => {
    const result = await gatehouseCli(["businesses", "list"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("gatehouse login");
  });

  it("refuses a wrong password, and saves nothing", async () => {
    const result = await gatehouseCli(["login", "--email", "admin@example.com"], "wrong-password-1");
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("HTTP 401");
    expect((await gatehouseCli(["businesses", "list"])).stderr).toContain("not signed in");
  });

  it("refuses a user's correct password, saying that it signs in admin users only", async () => {
    const result = await gatehouseCli(["login", "--email", "ursula@example.com"], "user-password-1");
    expect(result.code).toBe(1);
    expect(result.stderr).toBe("gatehouse: HTTP 401: Invalid email or password (the CLI signs in admin users only).\n");
    expect((await gatehouseCli(["businesses", "list"])).stderr).toContain("not signed in");
  });

  it("refuses what answers at --url but is not Gatehouse, and saves nothing", async () => {
    const impostor = createServer((_request, response) => {
      response.writeHead(200, { "Content-Type": "text/html" }).end("<html>not gatehouse</html>");
    });
    await new Promise<void>((resolve) => impostor.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(impostor.address() as AddressInfo).port}`;
    try {
      const login = await gatehouseCli(["--url", url, "login", "--email", "admin@example.com"], "admin-password-1");
      expect(login.code).toBe(1);
      expect(login.stderr).toContain(`${url} did not answer like Gatehouse (HTTP 200, text/html); is --url right?`);
      expect((await gatehouseCli(["--url", url, "businesses", "list"])).stderr).toContain("not signed in");
      for (const args of [
        ["businesses", "list"],
        ["--json", "businesses", "list"],
      ]) {
        const listed = await gatehouseCli(["--url", url, "--token", "some-token", ...args]);
        expect(listed.code, args.join(" ")).toBe(1);
        expect(listed.stderr).toContain("did not answer like Gatehouse");
        expect(listed.stderr).not.toMatch(/\n\s+at /);
      }
    } finally {
      await new Promise((resolve) => impostor.close(resolve));
    }
  });

  /**
   * The token pair the CLI saved for this Gatehouse. The file's tests sign the demo admin in as
   * seldom as they can: the per-account limit allows 5 logins a minute from one address, and the
   * quickstart above signs in too.
   */
  function savedAdminLogin(): { accessToken: string; refreshToken: string } {
    const saved = JSON.parse(readFileSync(join(configHome, "gatehouse", "credentials.json"), "utf8")) as Record<
      string,
      { accessToken: string; refreshToken: string }
    >;
    const login = saved[gatehouse.baseUrl];
    if (!login) throw new Error("no login saved");
    return login;
  }

  it("says to sign in again once the saved sign-in has ended; logout then only forgets it", async () => {
    expect((await gatehouseCli(["login", "--email", "admin@example.com"], "admin-password-1")).code).toBe(0);
    const { accessToken } = savedAdminLogin();
    const logout = await fetch(`${gatehouse.baseUrl}/v1/auth/logout`, {
      method: "POST",
      headers: { Authorization: `Bearer ${accessToken}`, "User-Type": "adminuser" },
    });
    expect(logout.status).toBe(204);
    const result = await gatehouseCli(["businesses", "list"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("The saved sign-in has ended: run `gatehouse login --email admin@example.com`.");
    const forgotten = json(await gatehouseCli(["--json", "logout"]));
    expect(forgotten).toEqual({ result: "success", url: gatehouse.baseUrl, forgotten: true, ended: false });
  });

  it("refuses a --limit outside 1-100 on every list, before it sends anything", async () => {
    for (const list of [["businesses"], ["users"], ["keys"], ["audit"]]) {
      for (const limit of ["1000", "101", "0", "ten"]) {
        const result = await gatehouseCli([...list, "list", "--limit", limit]);
        expect(result.code, `${list} list --limit ${limit}`).toBe(1);
        expect(result.stderr).toContain("--limit must be an integer from 1 to 100");
      }
    }
  });

  it("does an operator's day: businesses, users, keys, tenants, the audit log", async () => {
    expect((await gatehouseCli(["login", "--email", "admin@example.com"], "admin-password-1")).code).toBe(0);

    const business = json(await gatehouseCli(["--json", "businesses", "create", "Globex"])).business as {
      public_id: string;
    };
    const listed = json(await gatehouseCli(["--json", "businesses", "list"])).businesses as { public_id: string }[];
    expect(listed.map((row) => row.public_id)).toContain(business.public_id);
    const suspended = json(await gatehouseCli(["--json", "businesses", "suspend", business.public_id]));
    expect(suspended.business).toMatchObject({ status: "suspended" });

    const agent = json(
      await gatehouseCli(
        ["--json", "users", "create", "--type", "agent", "--email", "cli-agent@example.com"],
        "agent-password-9",
      ),
    ).user as { public_id: string };
    const taken = await gatehouseCli(
      ["users", "create", "--type", "agent", "--email", "cli-agent@example.com"],
      "agent-password-9",
    );
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain("409");
    expect(json(await gatehouseCli(["--json", "users", "disable", agent.public_id])).user).toMatchObject({
      status: "disabled",
    });
    expect(json(await gatehouseCli(["--json", "users", "enable", agent.public_id])).user).toMatchObject({
      status: "active",
    });
    const reset = await gatehouseCli(["users", "set-password", agent.public_id], "agent-password-10");
    expect(reset.code, reset.stderr).toBe(0);
    const agentLogin = await fetch(`${gatehouse.baseUrl}/v1/auth/login`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "User-Type": "agent" },
      body: JSON.stringify({ email: "cli-agent@example.com", password: "agent-password-10" }),
    });
    expect(agentLogin.status).toBe(200);

    const created = json(
      await gatehouseCli([
        "--json",
        "keys",
        "create",
        "--business",
        DEMO_BUSINESS_ID,
        "--name",
        "CLI",
        "--permissions",
        "sms",
      ]),
    );
    const key = created.key as string;
    const keyId = (created.api_key as { id: string }).id;
    const sms = () =>
      fetch(`${gatehouse.baseUrl}/v1/notification/api/sms/send`, {
        method: "POST",
        headers: { "X-Ping-Api-Key": key, "Content-Type": "application/json" },
        body: "{}",
      });
    expect((await sms()).status).toBe(200);
    const rolled = json(await gatehouseCli(["--json", "keys", "roll", keyId]));
    expect(rolled.previous).toMatchObject({ id: keyId, status: "rolled" });
    const revoked = json(await gatehouseCli(["--json", "keys", "revoke", keyId]));
    expect(revoked.api_key).toMatchObject({ status: "revoked" });
    expect((await sms()).status).toBe(401);

    const patched = json(
      await gatehouseCli(["--json", "tenants", "settings", "update", DEMO_BUSINESS_ID, "--anonymous", "off"]),
    );
    expect(patched.settings).toMatchObject({ allowJWTForUnauthenticatedUsers: false, enabledAuthTypes: ["business"] });
    json(await gatehouseCli(["--json", "tenants", "settings", "update", DEMO_BUSINESS_ID, "--anonymous", "on"]));
    const nothing = await gatehouseCli(["tenants", "settings", "update", DEMO_BUSINESS_ID]);
    expect(nothing.code).toBe(1);

    const events = json(await gatehouseCli(["--json", "audit", "list", "--action", "api_key.revoke"])).events as {
      target: string;
    }[];
    expect(events.map((event) => event.target)).toContain(keyId);
    const table = await gatehouseCli(["audit", "list", "--limit", "3"]);
    expect(table.stdout.split("\n")[0]).toMatch(/^ID\s+AT\s+ACTION/);
  });

  it("renames a business, and enables and disables a tenant's identity provider", async () => {
    // Signed in by the operator's day above.
    const business = json(await gatehouseCli(["--json", "businesses", "create", "Initech"])).business as {
      public_id: string;
    };
    const renamed = json(await gatehouseCli(["--json", "businesses", "rename", business.public_id, "Initrode"]));
    expect(renamed.business).toMatchObject({ public_id: business.public_id, name: "Initrode" });

    const idp = ["tenants", "idp"];
    const added = json(
      await gatehouseCli([
        "--json",
        ...idp,
        "add",
        business.public_id,
        "--issuer",
        "https://idp-cli.example.com",
        "--audience",
        "initrode",
        "--jwks-url",
        "https://idp-cli.example.com/jwks",
        "--disabled",
      ]),
    ).identityProvider as { id: string; enabled: boolean };
    expect(added.enabled).toBe(false);
    const enabled = json(await gatehouseCli(["--json", ...idp, "enable", business.public_id, added.id]));
    expect(enabled.identityProvider).toMatchObject({
      id: added.id,
      enabled: true,
      issuer: "https://idp-cli.example.com",
      jwksUrl: "https://idp-cli.example.com/jwks",
    });
    const disabled = json(await gatehouseCli(["--json", ...idp, "disable", business.public_id, added.id]));
    expect(disabled.identityProvider).toMatchObject({ id: added.id, enabled: false });
    const unknown = await gatehouseCli([...idp, "enable", business.public_id, "idp_nope"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(`has no identity provider idp_nope`);
  });

  it("finds a tenant's user by provider identity, disables, enables and ends their sessions", async () => {
    // Signed in by the operator's day above.
    const projectKey = DEMO_API_KEYS.find((key) => key.publicId === "key_demo_pk_test")?.plaintext ?? "";
    const pers = async (path: string, body: Record<string, unknown>) => {
      const res = await fetch(`${gatehouse.baseUrl}/v2/auth/${path}`, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-API-Key": projectKey },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as { refreshToken?: string } };
    };
    const idToken = (await gatehouseCli(["demo-idp-token", "--sub", "cli-tenant-user"])).stdout.trim();
    const first = await pers("token", { authToken: idToken });
    expect(first.status).toBe(200);

    const issuer = String(JSON.parse(atob(idToken.split(".")[1] ?? "")).iss);
    const users = "tenants users".split(" ");
    const found = json(
      await gatehouseCli([
        "--json",
        ...users,
        "list",
        DEMO_BUSINESS_ID,
        "--issuer",
        issuer,
        "--subject",
        "cli-tenant-user",
      ]),
    ).tenantUsers as { id: string }[];
    expect(found).toHaveLength(1);
    const userId = found[0]?.id ?? "";
    const halfFilter = await gatehouseCli([...users, "list", DEMO_BUSINESS_ID, "--issuer", issuer]);
    expect(halfFilter.code).toBe(1);
    expect(halfFilter.stderr).toContain("--issuer and --subject together");

    const disabled = json(await gatehouseCli(["--json", ...users, "disable", DEMO_BUSINESS_ID, userId]));
    expect(disabled.tenantUser).toMatchObject({ id: userId, status: "disabled" });
    expect((await pers("refresh", { refreshToken: first.body.refreshToken })).status).toBe(403);
    expect((await pers("token", { authToken: idToken })).status).toBe(403);
    const table = await gatehouseCli([...users, "get", DEMO_BUSINESS_ID, userId]);
    expect(table.stdout).toMatch(/^ID\s+KIND\s+STATUS/);
    expect(table.stdout).toContain("disabled");

    expect(json(await gatehouseCli(["--json", ...users, "enable", DEMO_BUSINESS_ID, userId])).tenantUser).toMatchObject(
      {
        status: "active",
      },
    );
    const again = await pers("token", { authToken: idToken });
    expect(again.status).toBe(200);
    const ended = await gatehouseCli([...users, "end-sessions", DEMO_BUSINESS_ID, userId]);
    expect(ended.code, ended.stderr).toBe(0);
    expect(ended.stdout).toContain(`Ended every session of ${userId}`);
    expect((await pers("refresh", { refreshToken: again.body.refreshToken })).status).toBe(401);
    const unknown = await gatehouseCli([...users, "disable", DEMO_BUSINESS_ID, crypto.randomUUID()]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("404");
  });

  it("audit tail --follow prints the header once, above the first events, and new events below", async () => {
    // Signed in by the operator's day above.
    const latest = 2;
    const tail = runningCli(["audit", "tail", "-n", String(latest), "--follow", "--interval", "1"]);
    try {
      await tail.waitFor("ACTION");
      const created: string[] = [];
      for (const name of ["Tail One", "Tail Two"]) {
        const business = json(await gatehouseCli(["--json", "businesses", "create", name])).business as {
          public_id: string;
        };
        created.push(business.public_id);
        await tail.waitFor(business.public_id);
      }
      const lines = tail.stdout().trimEnd().split("\n");
      expect(lines[0]).toMatch(/^ID\s+AT\s+ACTION/);
      expect(lines.filter((line) => line.startsWith("ID "))).toHaveLength(1);
      expect(lines).toHaveLength(1 + latest + created.length);
      expect(lines.slice(-created.length).map((line) => created.find((id) => line.includes(id)))).toEqual(created);
    } finally {
      await tail.stop();
    }
  });

  it("logout ends the saved session at Gatehouse, not only on this machine", async () => {
    // Signed in by the operator's day above.
    const { refreshToken } = savedAdminLogin();
    const loggedOut = json(await gatehouseCli(["--json", "logout"]));
    expect(loggedOut).toEqual({ result: "success", url: gatehouse.baseUrl, forgotten: true, ended: true });
    const refresh = await fetch(`${gatehouse.baseUrl}/v1/auth/refresh`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ refreshToken, userType: "adminuser" }),
    });
    expect(refresh.status).toBe(401);
    expect((await gatehouseCli(["logout"])).stdout).toBe(`No login kept for ${gatehouse.baseUrl}\n`);
    const token = json(await gatehouseCli(["--json", "demo-idp-token", "--sub", "json-user"]));
    expect(token.authToken).toMatch(/^eyJ/);
  });

  it("create-admin makes an admin who can sign in, and refuses an email that has an account", async () => {
    const local = ["create-admin", "--local", "--persist-to", gatehouse.persistDir];
    const created = await gatehouseCli([...local, "--email", "ops@example.com"], "ops-password-12");
    expect(created.code, created.stderr).toBe(0);
    const login = await gatehouseCli(["login", "--email", "ops@example.com"], "ops-password-12");
    expect(login.code, login.stderr).toBe(0);

    const again = await gatehouseCli([...local, "--email", "ops@example.com"], "ops-password-13");
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("already has an account");
    const demo = await gatehouseCli([...local, "--email", "ADMIN@example.com"], "admin-password-99");
    expect(demo.code).toBe(1);
  });

  it("create-admin works from a subdirectory, --persist-to relative to it", async () => {
    const fromDocs = relative(join(process.cwd(), "docs"), gatehouse.persistDir);
    const created = await outcome(
      "node",
      ["../bin/gatehouse.mjs", "create-admin", "--local", "--persist-to", fromDocs, "--email", "ops2@example.com"],
      "ops-password-12",
      {},
      "docs",
    );
    expect(created.code, created.stderr).toBe(0);
    expect((await gatehouseCli(["login", "--email", "ops2@example.com"], "ops-password-12")).code).toBe(0);
  });
});
