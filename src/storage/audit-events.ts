import { and, desc, eq, inArray, lt, type SQL } from "drizzle-orm";
import type { Database } from "./db";
import { type Page, type PageRequest, toPage } from "./pagination";
import { type AuditEventRow, auditEvents } from "./schema";

export type NewAuditEvent = Omit<AuditEventRow, "id">;

export async function insertAuditEvent(db: Database, event: NewAuditEvent): Promise<void> {
  await db.insert(auditEvents).values(event);
}

export interface AuditEventFilter {
  action?: string;
  actorPublicId?: string;
  tenant?: string;
}

/** Events newest first; each filter is served by its own (column, id) index. */
export async function listAuditEvents(
  db: Database,
  filter: AuditEventFilter,
  page: PageRequest,
): Promise<Page<AuditEventRow>> {
  const conditions: SQL[] = [];
  if (filter.action !== undefined) conditions.push(eq(auditEvents.action, filter.action));
  if (filter.actorPublicId !== undefined) conditions.push(eq(auditEvents.actorPublicId, filter.actorPublicId));
  if (filter.tenant !== undefined) conditions.push(eq(auditEvents.tenant, filter.tenant));
  if (page.beforeId !== undefined) conditions.push(lt(auditEvents.id, page.beforeId));
  const rows = await db
    .select()
    .from(auditEvents)
    .where(and(...conditions))
    .orderBy(desc(auditEvents.id))
    .limit(page.limit + 1);
  return toPage(rows, page.limit, (row) => row.id);
}

/**
 * Deletes up to `batchSize` events older than `cutoff` (oldest first) and says how many went.
 * Bounded so that one statement never runs long on D1; the caller repeats until none are left.
 */
export async function deleteAuditEventsBefore(db: Database, cutoff: Date, batchSize: number): Promise<number> {
  const oldest = db
    .select({ id: auditEvents.id })
    .from(auditEvents)
    .where(lt(auditEvents.at, cutoff))
    .orderBy(auditEvents.at)
    .limit(batchSize);
  const deleted = await db.delete(auditEvents).where(inArray(auditEvents.id, oldest)).returning({ id: auditEvents.id });
  return deleted.length;
}
