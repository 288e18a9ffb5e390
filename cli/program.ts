/**
 * `npx gatehouse`: the operator's commands. Most call the admin API of a running Gatehouse (local
 * `npm run dev` by default, or `--url` of a deployment) as a signed-in `adminuser`; `create-admin`
 * writes to D1 itself, because no endpoint creates the first admin.
 */
import { Command, Option } from "commander";
import { registerAuditCommands } from "./commands/audit.ts";
import { registerBusinessCommands } from "./commands/businesses.ts";
import { registerCreateAdmin } from "./commands/create-admin.ts";
import { registerDevelopmentCommands } from "./commands/development.ts";
import { DEFAULT_URL } from "./commands/globals.ts";
import { registerKeyCommands } from "./commands/keys.ts";
import { registerSessionCommands } from "./commands/session.ts";
import { registerTenantCommands } from "./commands/tenants.ts";
import { registerUserCommands } from "./commands/users.ts";

export function buildProgram(): Command {
  const program = new Command("gatehouse")
    .description("Operate a Gatehouse: admins, businesses, users, API keys, tenants, the audit log")
    .addOption(new Option("--url <url>", `Gatehouse's URL (default $GATEHOUSE_URL, else ${DEFAULT_URL})`))
    .addOption(new Option("--token <token>", "an adminuser access token (default $GATEHOUSE_TOKEN, else `login`'s)"))
    .option("--json", "print the API's JSON instead of tables", false)
    .showHelpAfterError()
    .exitOverride();
  registerCreateAdmin(program);
  registerSessionCommands(program);
  registerBusinessCommands(program);
  registerUserCommands(program);
  registerKeyCommands(program);
  registerTenantCommands(program);
  registerAuditCommands(program);
  registerDevelopmentCommands(program);
  return program;
}
