import { type Command, Option } from "commander";
import { API_KEY_KINDS, API_KEY_MODES } from "../../src/domain.ts";
import { callApi, query } from "../client.ts";
import { note, print } from "../output.ts";
import { globalsOf, limitOption, list } from "./globals.ts";

const COLUMNS = ["id", "business_id", "name", "display_prefix", "kind", "mode", "permissions", "status"];

export function registerKeyCommands(program: Command): void {
  const keys = program.command("keys").description("API keys of every business");

  keys
    .command("list")
    .description("list API keys (never the keys themselves), newest first")
    .option("--business <id>", "only this business's keys")
    .addOption(limitOption())
    .option("--cursor <cursor>", "next page, as printed by the previous one")
    .action(async (options: { business?: string; limit?: number; cursor?: string }, command: Command) => {
      const { target, output } = globalsOf(command);
      const path = `/v1/admin/api-keys${query({ business_id: options.business, limit: options.limit, cursor: options.cursor })}`;
      print(output, await callApi(target, "GET", path), "api_keys", COLUMNS);
    });

  keys
    .command("create")
    .description("create an API key for a business; the key is printed once")
    .requiredOption("--business <id>", "the business's public id")
    .requiredOption("--name <name>", "what the key is for")
    .addOption(new Option("--kind <kind>", "key kind").choices(API_KEY_KINDS).default("secret"))
    .addOption(new Option("--mode <mode>", "key mode").choices(API_KEY_MODES).default("test"))
    .option("--permissions <list>", "comma-separated: sms,email,whatsapp,templates,bulk", list, [])
    .option("--allowed-origins <list>", "publishable keys: comma-separated exact browser origins", list)
    .option("--expires-at <iso-date>", "an ISO 8601 instant in the future")
    .action(
      async (
        options: {
          business: string;
          name: string;
          kind: string;
          mode: string;
          permissions: string[];
          allowedOrigins?: string[];
          expiresAt?: string;
        },
        command: Command,
      ) => {
        const { target, output } = globalsOf(command);
        const answer = await callApi(target, "POST", "/v1/api-keys", {
          business_id: options.business,
          name: options.name,
          kind: options.kind,
          mode: options.mode,
          permissions: options.permissions,
          ...(options.allowedOrigins ? { allowed_origins: options.allowedOrigins } : {}),
          ...(options.expiresAt ? { expires_at: options.expiresAt } : {}),
        });
        print(output, answer, "api_key", COLUMNS);
        if (!output.json) process.stdout.write(`key: ${answer.key}\n`);
        note(output, "Store the key now: it is shown once and cannot be retrieved again.");
      },
    );

  keys
    .command("roll")
    .description("replace a key with a new one; the old one keeps working for the grace period")
    .argument("<key-id>", "the key's public id")
    .action(async (id: string, _options: unknown, command: Command) => {
      const { target, output } = globalsOf(command);
      const answer = await callApi(target, "POST", `/v1/api-keys/${encodeURIComponent(id)}/roll`);
      print(output, answer, "api_key", COLUMNS);
      if (!output.json) process.stdout.write(`key: ${answer.key}\n`);
      const previous = answer.previous as { grace_until?: string | null } | undefined;
      note(output, `Store the new key now. The old key keeps working until ${previous?.grace_until}.`);
    });

  keys
    .command("revoke")
    .description("revoke a key at once")
    .argument("<key-id>", "the key's public id")
    .action(async (id: string, _options: unknown, command: Command) => {
      const { target, output } = globalsOf(command);
      const answer = await callApi(target, "DELETE", `/v1/admin/api-keys/${encodeURIComponent(id)}`);
      print(output, answer, "api_key", COLUMNS);
    });
}
