import type { Command } from "commander";
import { CliError, logIn, logOut } from "../client.ts";
import { credentialsPath, forgetLogin, savedLogin } from "../credentials.ts";
import { readPassword } from "../password.ts";
import { type Globals, globalsOf } from "./globals.ts";

export function registerSessionCommands(program: Command): void {
  program
    .command("login")
    .description(
      "sign in as an adminuser; the token pair is kept for --url (password from stdin or $GATEHOUSE_PASSWORD)",
    )
    .requiredOption("--email <email>", "the admin's email")
    .action(async (options: { email: string }, command: Command) => {
      const globals: Globals = globalsOf(command);
      const login = await logIn(globals.target.url, options.email, readPassword("GATEHOUSE_PASSWORD"));
      if (globals.output.json) process.stdout.write(`${JSON.stringify({ result: "success", email: login.email })}\n`);
      else
        process.stdout.write(`Signed in to ${globals.target.url} as ${login.email} (kept in ${credentialsPath()})\n`);
    });

  program
    .command("logout")
    .description("end the session kept for --url at Gatehouse, and forget its token pair")
    .action(async (_options: unknown, command: Command) => {
      const { target, output } = globalsOf(command);
      const login = savedLogin(target.url);
      const outcome = login ? await logOut(target.url, login) : undefined;
      // A session Gatehouse could not end is kept, so that logout can be run again.
      if (outcome === "not_ended") {
        throw new CliError(`could not end the session at ${target.url}; the login is kept: run logout again`);
      }
      const forgotten = forgetLogin(target.url);
      const ended = outcome === "ended";
      if (output.json) {
        process.stdout.write(`${JSON.stringify({ result: "success", url: target.url, forgotten, ended })}\n`);
      } else if (!forgotten) {
        process.stdout.write(`No login kept for ${target.url}\n`);
      } else {
        const how = ended ? "ended its session" : "its session had already ended";
        process.stdout.write(`Forgot the login for ${target.url}; ${how}\n`);
      }
    });
}
