import type { Command } from "commander";
import { logIn } from "../client.ts";
import { credentialsPath, forgetLogin } from "../credentials.ts";
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
    .description("forget the token pair kept for --url")
    .action((_options: unknown, command: Command) => {
      const { target } = globalsOf(command);
      const forgotten = forgetLogin(target.url);
      process.stdout.write(forgotten ? `Forgot the login for ${target.url}\n` : `No login kept for ${target.url}\n`);
    });
}
