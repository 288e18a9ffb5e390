import type { Command } from "commander";
import { callApi, query } from "../client.ts";
import { print, type Row, tableStream } from "../output.ts";
import { globalsOf, limitOption, positiveInteger } from "./globals.ts";

const COLUMNS = ["id", "at", "action", "actor_public_id", "actor_type", "tenant", "target", "ip"];

interface AuditFilters {
  action?: string;
  actor?: string;
  tenant?: string;
  limit?: number;
  cursor?: string;
}

const eventsPath = (filters: AuditFilters) =>
  `/v1/admin/audit-events${query({ action: filters.action, actor: filters.actor, tenant: filters.tenant, limit: filters.limit, cursor: filters.cursor })}`;

export function registerAuditCommands(program: Command): void {
  const audit = program.command("audit").description("the audit log");

  audit
    .command("list")
    .description("audit events, newest first, filtered")
    .option("--action <action>", "e.g. api_key.revoke, user.disable")
    .option("--actor <id>", "public id of the acting user")
    .option("--tenant <id>", "public id of the business concerned")
    .addOption(limitOption())
    .option("--cursor <cursor>", "next page, as printed by the previous one")
    .action(async (options: AuditFilters, command: Command) => {
      const { target, output } = globalsOf(command);
      print(output, await callApi(target, "GET", eventsPath(options)), "events", COLUMNS);
    });

  audit
    .command("tail")
    .description("the latest events, then (with --follow) new ones as they are recorded, oldest first")
    .option("--action <action>", "e.g. api_key.revoke, user.disable")
    .option("--actor <id>", "public id of the acting user")
    .option("--tenant <id>", "public id of the business concerned")
    .option("-n, --lines <n>", "how many of the latest events to show first", positiveInteger("--lines"), 20)
    .option("-f, --follow", "keep polling for new events (Ctrl-C stops)", false)
    .option("--interval <seconds>", "seconds between polls with --follow", positiveInteger("--interval"), 2)
    .action(async (options: AuditFilters & { lines: number; follow: boolean; interval: number }, command: Command) => {
      const { target, output } = globalsOf(command);
      const table = tableStream(COLUMNS, (text) => process.stdout.write(text));
      const show = (events: Row[]) => {
        if (output.json) for (const event of events) process.stdout.write(`${JSON.stringify(event)}\n`);
        else table(events);
      };
      const latest = await callApi(target, "GET", eventsPath({ ...options, limit: Math.min(options.lines, 100) }));
      const first = [...(latest.events as Row[])].reverse();
      show(first);
      let lastId = Number(first.at(-1)?.id ?? 0);
      while (options.follow) {
        await new Promise((resolve) => setTimeout(resolve, options.interval * 1000));
        const page = await callApi(target, "GET", eventsPath({ ...options, limit: 100 }));
        const fresh = (page.events as Row[]).filter((event) => Number(event.id) > lastId).reverse();
        show(fresh);
        lastId = Number(fresh.at(-1)?.id ?? lastId);
      }
    });
}
