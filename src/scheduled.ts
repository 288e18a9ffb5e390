import { type Bindings, readConfig } from "./env";
import { purgeExpiredAuditEvents } from "./services/audit/retention";
import { openDatabase } from "./storage/db";

/**
 * The cron handler (`[triggers] crons` in wrangler.toml): applies the audit log's retention. It
 * logs one JSON line, like a request, and does not throw: a failed run is simply retried by the
 * next one. The runtime keeps the invocation alive until the returned promise settles.
 */
export async function scheduled(controller: ScheduledController, env: Bindings, _ctx: ExecutionContext): Promise<void> {
  const started = Date.now();
  const log = { event: "audit_retention", cron: controller.cron };
  try {
    const deleted = await purgeExpiredAuditEvents({
      db: openDatabase(env.DB),
      config: readConfig(env),
      now: new Date(controller.scheduledTime),
    });
    console.log(JSON.stringify({ level: "info", ...log, deleted, durationMs: Date.now() - started }));
  } catch (err) {
    const detail = err instanceof Error ? err.message : "unknown";
    console.error(JSON.stringify({ level: "error", ...log, detail }));
  }
}
