import { type Bindings, readConfig } from "./env";
import { pruneDailyUsage } from "./services/api-keys/daily-usage";
import { pruneApiKeyChanges } from "./services/api-keys/key-change-feed";
import { purgeExpiredAuditEvents } from "./services/audit/retention";
import { openDatabase } from "./storage/db";

/** Runs one retention task and logs one JSON line for it; a failure is logged, never thrown. */
async function runRetention(event: string, cron: string, task: () => Promise<number>): Promise<void> {
  const started = Date.now();
  try {
    const deleted = await task();
    console.log(JSON.stringify({ level: "info", event, cron, deleted, durationMs: Date.now() - started }));
  } catch (err) {
    const detail = err instanceof Error ? err.message : "unknown";
    console.error(JSON.stringify({ level: "error", event, cron, detail }));
  }
}

/**
 * The cron handler (`[triggers] crons` in wrangler.toml): applies the audit log's retention,
 * deletes API keys' per-day usage counts older than 30 days and the key change feed's rows older
 * than a day. Each task logs one JSON line, like a
 * request, and none throws: a failed run is simply retried by the next one. The runtime keeps the
 * invocation alive until the returned promise settles.
 */
export async function scheduled(controller: ScheduledController, env: Bindings, _ctx: ExecutionContext): Promise<void> {
  const db = openDatabase(env.DB);
  const now = new Date(controller.scheduledTime);
  await runRetention("audit_retention", controller.cron, () =>
    purgeExpiredAuditEvents({ db, config: readConfig(env), now }),
  );
  await runRetention("api_key_usage_retention", controller.cron, () => pruneDailyUsage({ db, now }));
  await runRetention("api_key_changes_retention", controller.cron, () => pruneApiKeyChanges({ db, now }));
}
