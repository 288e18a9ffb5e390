import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const WRANGLER = join(process.cwd(), "node_modules", ".bin", "wrangler");

/** Runs wrangler non-interactively; its chatter is shown only when it fails. */
export function runWrangler(args: string[]): void {
  try {
    execFileSync(WRANGLER, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, CI: "true" } });
  } catch (error) {
    const failed = error as { stdout?: Buffer; stderr?: Buffer };
    process.stderr.write(failed.stdout ?? "");
    process.stderr.write(failed.stderr ?? "");
    throw new Error(`wrangler ${args.join(" ")} failed`);
  }
}

/** Runs SQL statements against the local D1 database (`.wrangler/state`, or `extraArgs`' `--persist-to`). */
export function executeLocalSql(statements: string[], extraArgs: string[] = []): void {
  const dir = mkdtempSync(join(tmpdir(), "gatehouse-sql-"));
  const file = join(dir, "statements.sql");
  writeFileSync(file, `${statements.join(";\n")};\n`);
  runWrangler(["d1", "execute", "DB", "--local", "--file", file, ...extraArgs]);
}
