import { readFileSync } from "node:fs";
import { CliError } from "./client.ts";

/**
 * A password from `$variable` or standard input, never from the command line (shell history,
 * `ps`). A trailing newline (from `echo`) is not part of it.
 */
export function readPassword(variable: string): string {
  const fromEnv = process.env[variable];
  if (fromEnv) return fromEnv;
  if (process.stdin.isTTY) throw new CliError(`pipe the password on standard input or set ${variable}`);
  return readFileSync(0, "utf8").replace(/\r?\n$/, "");
}
