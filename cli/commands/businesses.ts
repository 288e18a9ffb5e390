import type { Command } from "commander";
import { callApi, query } from "../client.ts";
import { note, print } from "../output.ts";
import { globalsOf, limitOption } from "./globals.ts";

const COLUMNS = ["public_id", "name", "status", "created_at"];

export function registerBusinessCommands(program: Command): void {
  const businesses = program.command("businesses").description("businesses (tenants)");

  businesses
    .command("list")
    .description("list businesses, newest first")
    .addOption(limitOption())
    .option("--cursor <cursor>", "next page, as printed by the previous one")
    .action(async (options: { limit?: number; cursor?: string }, command: Command) => {
      const { target, output } = globalsOf(command);
      const answer = await callApi(target, "GET", `/v1/admin/businesses${query(options)}`);
      print(output, answer, "businesses", COLUMNS);
    });

  businesses
    .command("create")
    .description("create a business")
    .argument("<name>", "its name")
    .option("--status <status>", "pending | verified | suspended", "pending")
    .action(async (name: string, options: { status: string }, command: Command) => {
      const { target, output } = globalsOf(command);
      const answer = await callApi(target, "POST", "/v1/admin/businesses", { name, status: options.status });
      print(output, answer, "business", COLUMNS);
    });

  for (const [verb, status, description] of [
    ["suspend", "suspended", "suspend a business: its API keys are refused and no key can be created or rolled"],
    ["verify", "verified", "mark a business verified (also lifts a suspension)"],
  ] as const) {
    businesses
      .command(verb)
      .description(description)
      .argument("<business-id>", "the business's public id")
      .action(async (id: string, _options: unknown, command: Command) => {
        const { target, output } = globalsOf(command);
        const answer = await callApi(target, "PATCH", `/v1/admin/businesses/${encodeURIComponent(id)}`, { status });
        print(output, answer, "business", COLUMNS);
        note(output, `Business ${id} is now ${status}.`);
      });
  }

  businesses
    .command("rename")
    .description("rename a business")
    .argument("<business-id>", "the business's public id")
    .argument("<name>", "its new name")
    .action(async (id: string, name: string, _options: unknown, command: Command) => {
      const { target, output } = globalsOf(command);
      const answer = await callApi(target, "PATCH", `/v1/admin/businesses/${encodeURIComponent(id)}`, { name });
      print(output, answer, "business", COLUMNS);
    });
}
