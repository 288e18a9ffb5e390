import { eq } from "drizzle-orm";
import type { Database } from "./db";
import { businesses } from "./schema";

export interface TenantRef {
  id: number;
  publicId: string;
}

/** A tenant is a business; the admin API names it by its public id. */
export async function findTenantByPublicId(db: Database, publicId: string): Promise<TenantRef | null> {
  const row = await db
    .select({ id: businesses.id, publicId: businesses.publicId })
    .from(businesses)
    .where(eq(businesses.publicId, publicId))
    .get();
  return row ?? null;
}
