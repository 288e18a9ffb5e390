import { type DrizzleD1Database, drizzle } from "drizzle-orm/d1";
import { type D1Queryable, resilientD1 } from "./resilient-d1";
import * as schema from "./schema";

export type Database = DrizzleD1Database<typeof schema>;

const databases = new WeakMap<D1Queryable, Database>();

/**
 * One drizzle wrapper per D1 binding (or D1 session) per isolate, over the resilient adapter
 * (`resilient-d1.ts`): an outage reaches services as `service_unavailable`, never as a 500.
 */
export function openDatabase(d1: D1Queryable): Database {
  let db = databases.get(d1);
  if (!db) {
    // drizzle calls only `prepare` and `batch`, which is all the adapter offers.
    db = drizzle(resilientD1(d1) as D1Database, { schema });
    databases.set(d1, db);
  }
  return db;
}
