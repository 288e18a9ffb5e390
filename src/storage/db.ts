import { type DrizzleD1Database, drizzle } from "drizzle-orm/d1";
import { resilientD1 } from "./resilient-d1";

/**
 * Drizzle over D1, without the relational-query schema: the repositories use the query builders
 * only (`db.select()`, `db.insert()`, `db.batch()`), never `db.query`, and with the schema drizzle
 * rebuilds its relational configuration on every construction, which a per-request database
 * (`d1-sessions.ts`) would pay on every request that touches D1.
 */
export type Database = DrizzleD1Database & { $client: D1Client };

/** What drizzle calls on its client: a binding, a `D1DatabaseSession`, or a request's session view. */
export type D1Client = Pick<D1Database, "prepare" | "batch">;

/**
 * A new drizzle wrapper over a client (a request's session view: once per request), behind the
 * resilient adapter (`resilient-d1.ts`): an outage reaches services as `service_unavailable`.
 */
export function databaseOver(client: D1Client): Database {
  // drizzle's client type is the whole binding, but it calls only `prepare` and `batch`.
  return drizzle(resilientD1(client) as D1Database);
}

const databases = new WeakMap<D1Client, Database>();

/** One drizzle wrapper per binding per isolate. */
export function openDatabase(client: D1Client): Database {
  let db = databases.get(client);
  if (!db) {
    db = databaseOver(client);
    databases.set(client, db);
  }
  return db;
}
