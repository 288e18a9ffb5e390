import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { inArray } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import { openDatabase } from "../../src/storage/db";
import { auditEvents } from "../../src/storage/schema";

const DAY_MS = 86_400_000;
const db = () => openDatabase(env.DB);

async function insertEventAt(at: Date): Promise<number> {
  const [row] = await db()
    .insert(auditEvents)
    .values({
      at,
      actorPublicId: null,
      actorType: "system",
      action: "retention.probe",
      tenant: null,
      target: null,
      ip: null,
      userAgent: null,
      details: null,
    })
    .returning({ id: auditEvents.id });
  if (!row) throw new Error("insert failed");
  return row.id;
}

async function runCron(scheduledTime: number, vars: Partial<Cloudflare.Env> = {}) {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ scheduledTime, cron: "17 3 * * *" }), { ...env, ...vars }, ctx);
  await waitOnExecutionContext(ctx);
}

async function survivors(ids: number[]): Promise<number[]> {
  const rows = await db().select({ id: auditEvents.id }).from(auditEvents).where(inArray(auditEvents.id, ids));
  return rows.map((row) => row.id).sort((a, b) => a - b);
}

describe("audit retention", () => {
  // Runs "long ago" with rows older still: the cut-off stays far below the rows other tests write
  // (storage is shared), so only this file's rows are ever in reach.
  const runAt = Date.now() - 10_000 * DAY_MS;

  it("the daily cron deletes events older than AUDIT_RETENTION_DAYS (90 by default) and keeps the rest", async () => {
    const expired = await insertEventAt(new Date(runAt - 91 * DAY_MS));
    const justExpired = await insertEventAt(new Date(runAt - 90 * DAY_MS - 1));
    const kept = await insertEventAt(new Date(runAt - 89 * DAY_MS));
    await runCron(runAt);
    expect(await survivors([expired, justExpired, kept])).toEqual([kept]);
  });

  it("a shorter retention configured in AUDIT_RETENTION_DAYS is honoured", async () => {
    const old = await insertEventAt(new Date(runAt - 8 * DAY_MS));
    const recent = await insertEventAt(new Date(runAt - 6 * DAY_MS));
    await runCron(runAt, { AUDIT_RETENTION_DAYS: "7" });
    expect(await survivors([old, recent])).toEqual([recent]);
  });

  it("a run with nothing to delete changes nothing", async () => {
    const recent = await insertEventAt(new Date(runAt - DAY_MS));
    await runCron(runAt);
    expect(await survivors([recent])).toEqual([recent]);
  });
});
