import { desc, eq, inArray, lt } from "drizzle-orm";
import type { BusinessStatus } from "../domain";
import type { Database } from "./db";
import { type Page, type PageRequest, toPage } from "./pagination";
import { type BusinessRow, businesses } from "./schema";

export async function insertBusiness(
  db: Database,
  business: { publicId: string; name: string; status: BusinessStatus; now: Date },
): Promise<BusinessRow> {
  const { now, ...values } = business;
  const [row] = await db
    .insert(businesses)
    .values({ ...values, createdAt: now, updatedAt: now })
    .returning();
  if (!row) throw new Error("business insert returned no row");
  return row;
}

export async function findBusinessByPublicId(db: Database, publicId: string): Promise<BusinessRow | null> {
  const row = await db.select().from(businesses).where(eq(businesses.publicId, publicId)).get();
  return row ?? null;
}

export async function findBusinessesByPublicIds(db: Database, publicIds: string[]): Promise<BusinessRow[]> {
  if (publicIds.length === 0) return [];
  return db.select().from(businesses).where(inArray(businesses.publicId, publicIds));
}

export async function listBusinesses(db: Database, page: PageRequest): Promise<Page<BusinessRow>> {
  const rows = await db
    .select()
    .from(businesses)
    .where(page.beforeId === undefined ? undefined : lt(businesses.id, page.beforeId))
    .orderBy(desc(businesses.id))
    .limit(page.limit + 1);
  return toPage(rows, page.limit, (row) => row.id);
}

export async function updateBusiness(
  db: Database,
  businessId: number,
  changes: { name?: string; status?: BusinessStatus },
  now: Date,
): Promise<BusinessRow | null> {
  const [row] = await db
    .update(businesses)
    .set({ ...changes, updatedAt: now })
    .where(eq(businesses.id, businessId))
    .returning();
  return row ?? null;
}
