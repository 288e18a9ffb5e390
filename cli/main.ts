/** The `gatehouse` command: parses the arguments, runs the command, exits non-zero on any failure. */
import { CommanderError } from "commander";
import { CliError } from "./client.ts";
import { buildProgram } from "./program.ts";

async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: "user" });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    const message = error instanceof CliError || error instanceof Error ? error.message : String(error);
    process.stderr.write(`gatehouse: ${message}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
