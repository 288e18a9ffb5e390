import { resolve } from "node:path";
import { type Command, Option } from "commander";
import { sqlString } from "../../scripts/lib/sql.ts";
import { insertUserSql } from "../../scripts/lib/users-sql.ts";
import { type D1Location, executeSql, querySql } from "../../scripts/lib/wrangler.ts";
import { parsePepperList } from "../../src/crypto/peppers.ts";
import { CliError } from "../client.ts";
import { readPassword } from "../password.ts";

const MIN_PASSWORD_LENGTH = 12;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

interface CreateAdminOptions {
  email: string;
  firstName: string;
  lastName: string;
  phone?: string;
  local: boolean;
  remote: boolean;
  persistTo?: string;
}

/** The deployment's pepper secrets, as the Worker reads them; a malformed list stops the command. */
function peppersFromEnvironment() {
  const peppers = parsePepperList(process.env.PASSWORD_PEPPERS ?? "");
  if (typeof peppers === "string") throw new CliError(`PASSWORD_PEPPERS: ${peppers}`);
  return { pepper: process.env.PASSWORD_PEPPER || undefined, peppers };
}

function emailTaken(email: string, location: D1Location, extraArgs: string[]): boolean {
  const sql = `SELECT 1 AS taken FROM users WHERE email_normalized = ${sqlString(email.toLowerCase())}`;
  return querySql(sql, location, extraArgs).length > 0;
}

/**
 * The first admin of a deployment comes to exist only this way: no open endpoint creates one. It
 * writes to D1 directly (local, or remote through wrangler), or prints the SQL to run yourself.
 */
async function createAdmin(options: CreateAdminOptions): Promise<void> {
  const email = options.email.trim();
  if (!EMAIL.test(email)) throw new CliError("--email needs a valid address");
  if (options.local && options.remote) throw new CliError("choose one of --local and --remote");
  const location: D1Location | undefined = options.local ? "local" : options.remote ? "remote" : undefined;
  if (options.persistTo && location !== "local") throw new CliError("--persist-to goes with --local");
  // Wrangler runs in the repository; a directory given relative to where the command started is resolved here.
  const extraArgs = options.persistTo ? ["--persist-to", resolve(options.persistTo)] : [];
  if (location && emailTaken(email, location, extraArgs)) {
    throw new CliError(`${email} already has an account in the ${location} database: nothing was changed`);
  }
  const password = readPassword("GATEHOUSE_ADMIN_PASSWORD");
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new CliError(`the password must be at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  const statement = await insertUserSql(
    {
      publicId: crypto.randomUUID(),
      userType: "adminuser",
      email,
      password,
      firstName: options.firstName,
      lastName: options.lastName,
      phoneNumber: options.phone ?? null,
    },
    peppersFromEnvironment(),
    "fail",
  );
  if (location) {
    executeSql([statement], location, extraArgs);
    process.stderr.write(`Created adminuser ${email} in the ${location} D1 database.\n`);
  } else {
    process.stdout.write(`${statement};\n`);
    process.stderr.write("Run it against production with: npx wrangler d1 execute DB --remote --file <this file>\n");
  }
}

export function registerCreateAdmin(program: Command): void {
  program
    .command("create-admin")
    .description(
      "create an adminuser in D1 (password from stdin or $GATEHOUSE_ADMIN_PASSWORD, never an argument); " +
        "an email that already has an account is refused",
    )
    .requiredOption("--email <email>", "the admin's email")
    .option("--first-name <name>", "first name", "Admin")
    .option("--last-name <name>", "last name", "")
    .option("--phone <number>", "phone number")
    .addOption(new Option("--local", "write to the local dev database (.wrangler/state)").default(false))
    .addOption(new Option("--remote", "write to the deployed database through wrangler").default(false))
    .option("--persist-to <dir>", "with --local: the local state directory, if not .wrangler/state")
    .addHelpText(
      "after",
      "\nWithout --local or --remote the INSERT is printed for `wrangler d1 execute DB --remote --file`.\n" +
        "PASSWORD_PEPPERS must hold the deployment's pepper secrets (the first one is used) when it has them.",
    )
    .action((options: CreateAdminOptions) => createAdmin(options));
}
