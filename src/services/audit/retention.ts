import { deleteAuditEventsBefore } from "../../storage/audit-events";
import type { Deps } from "../deps";

const DAY_MS = 86_400_000;
const DELETE_BATCH_SIZE = 1_000;
/** A cron run has bounded time; whatever is left over goes at the next run. */
const MAX_BATCHES_PER_RUN = 100;

/** Deletes audit events older than `auditRetentionDays`; returns how many were deleted. */
export async function purgeExpiredAuditEvents(deps: Pick<Deps, "db" | "config" | "now">): Promise<number> {
  const cutoff = new Date(deps.now.getTime() - deps.config.auditRetentionDays * DAY_MS);
  let total = 0;
  for (let batch = 0; batch < MAX_BATCHES_PER_RUN; batch++) {
    const deleted = await deleteAuditEventsBefore(deps.db, cutoff, DELETE_BATCH_SIZE);
    total += deleted;
    if (deleted < DELETE_BATCH_SIZE) break;
  }
  return total;
}
