import { type Command, Option } from "commander";
import { MEMBER_ROLES, USER_TYPES } from "../../src/domain.ts";
import { callApi, query } from "../client.ts";
import { print } from "../output.ts";
import { readPassword } from "../password.ts";
import { globalsOf, limitOption, list } from "./globals.ts";

const COLUMNS = ["public_id", "user_type", "email_address", "status", "created_at"];

export function registerUserCommands(program: Command): void {
  const users = program.command("users").description("users of every type: user, adminuser, agent");

  users
    .command("list")
    .description("list users, newest first")
    .addOption(new Option("--type <type>", "only this user type").choices(USER_TYPES))
    .addOption(limitOption())
    .option("--cursor <cursor>", "next page, as printed by the previous one")
    .action(async (options: { type?: string; limit?: number; cursor?: string }, command: Command) => {
      const { target, output } = globalsOf(command);
      const path = `/v1/admin/users${query({ user_type: options.type, limit: options.limit, cursor: options.cursor })}`;
      print(output, await callApi(target, "GET", path), "users", COLUMNS);
    });

  users
    .command("create")
    .description("create a user of any type (password from stdin or $GATEHOUSE_USER_PASSWORD)")
    .requiredOption("--email <email>", "their email")
    .addOption(new Option("--type <type>", "user type").choices(USER_TYPES).makeOptionMandatory())
    .option("--first-name <name>", "first name", "")
    .option("--last-name <name>", "last name", "")
    .option("--business <ids>", "comma-separated business public ids to make them a member of", list)
    .addOption(new Option("--role <role>", "their role in those businesses").choices(MEMBER_ROLES).default("developer"))
    .action(
      async (
        options: {
          email: string;
          type: string;
          firstName: string;
          lastName: string;
          business?: string[];
          role: string;
        },
        command: Command,
      ) => {
        const { target, output } = globalsOf(command);
        const answer = await callApi(target, "POST", "/v1/admin/users", {
          email: options.email,
          password: readPassword("GATEHOUSE_USER_PASSWORD"),
          user_type: options.type,
          first_name: options.firstName,
          last_name: options.lastName,
          ...(options.business
            ? { businesses: options.business.map((id) => ({ business_id: id, role: options.role })) }
            : {}),
        });
        print(output, answer, "user", COLUMNS);
      },
    );

  users
    .command("disable")
    .description("disable a user: sign-in is refused and every session of theirs ends")
    .argument("<user-id>", "the user's public id")
    .action(async (id: string, _options: unknown, command: Command) => {
      const { target, output } = globalsOf(command);
      const answer = await callApi(target, "POST", `/v1/admin/users/${encodeURIComponent(id)}/disable`);
      print(output, answer, "user", COLUMNS);
    });

  users
    .command("enable")
    .description("enable a disabled user: they may sign in again; sessions from before stay ended")
    .argument("<user-id>", "the user's public id")
    .action(async (id: string, _options: unknown, command: Command) => {
      const { target, output } = globalsOf(command);
      const answer = await callApi(target, "POST", `/v1/admin/users/${encodeURIComponent(id)}/enable`);
      print(output, answer, "user", COLUMNS);
    });

  users
    .command("set-password")
    .description("set a user's password (from stdin or $GATEHOUSE_USER_PASSWORD): every session of theirs ends")
    .argument("<user-id>", "the user's public id (not your own: change yours with POST /v1/me/password)")
    .action(async (id: string, _options: unknown, command: Command) => {
      const { target, output } = globalsOf(command);
      const answer = await callApi(target, "POST", `/v1/admin/users/${encodeURIComponent(id)}/password`, {
        password: readPassword("GATEHOUSE_USER_PASSWORD"),
      });
      print(output, answer, "user", COLUMNS);
    });
}
