import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository: its wrangler.toml and local state, wherever the command was started from. */
export const PROJECT_ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** The repository's own wrangler (`node_modules/.bin`), never one on PATH. */
export const WRANGLER = join(PROJECT_ROOT, "node_modules", ".bin", "wrangler");

/** Where a D1 command runs: the local dev database (`.wrangler/state`) or the deployed one. */
export type D1Location = "local" | "remote";

/** Runs wrangler non-interactively and answers its stdout; its chatter is shown only when it fails. */
export function runWrangler(args: string[]): string {
  try {
    return execFileSync(WRANGLER, args, {
      cwd: PROJECT_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, CI: "true" },
      encoding: "utf8",
    });
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string };
    process.stderr.write(failed.stdout ?? "");
    process.stderr.write(failed.stderr ?? "");
    throw new Error(`wrangler ${args.join(" ")} failed`);
  }
}

/** Runs SQL statements against the D1 database (local: `.wrangler/state`, or `extraArgs`' `--persist-to`). */
export function executeSql(statements: string[], location: D1Location = "local", extraArgs: string[] = []): void {
  const dir = mkdtempSync(join(tmpdir(), "gatehouse-sql-"));
  const file = join(dir, "statements.sql");
  writeFileSync(file, `${statements.join(";\n")};\n`);
  runWrangler(["d1", "execute", "DB", `--${location}`, "--file", file, ...extraArgs]);
}

/** Runs SQL statements against the local D1 database (`.wrangler/state`, or `extraArgs`' `--persist-to`). */
export function executeLocalSql(statements: string[], extraArgs: string[] = []): void {
  executeSql(statements, "local", extraArgs);
}

/** The rows one read-only SQL query answers. */
export function querySql(
  sql: string,
  location: D1Location = "local",
  extraArgs: string[] = [],
): Record<string, unknown>[] {
  const output = runWrangler(["d1", "execute", "DB", `--${location}`, "--json", "--command", sql, ...extraArgs]);
  const results = JSON.parse(output) as { results?: Record<string, unknown>[] }[];
  return results.flatMap((result) => result.results ?? []);
}
