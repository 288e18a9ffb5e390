import { z } from "@hono/zod-openapi";
import type { Page, PageRequest } from "../../storage/pagination";

export const MAX_PAGE_SIZE = 100;

/** `?limit=&cursor=`: the cursor is opaque to clients (today: the last id of the previous page). */
export const pageQuerySchema = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_PAGE_SIZE)
    .default(50)
    .openapi({ param: { name: "limit", in: "query" }, example: 50 }),
  cursor: z
    .string()
    .regex(/^[1-9][0-9]{0,15}$/, "not a cursor returned by this API")
    .optional()
    .openapi({ param: { name: "cursor", in: "query" }, description: "`next_cursor` of the previous page" }),
});

export const nextCursorSchema = z
  .string()
  .nullable()
  .openapi({ description: "Pass as `cursor` for the next page; null on the last page." });

export function toPageRequest(query: { limit: number; cursor?: string | undefined }): PageRequest {
  return query.cursor === undefined ? { limit: query.limit } : { limit: query.limit, beforeId: Number(query.cursor) };
}

export function nextCursorOf(page: Page<unknown>): string | null {
  return page.nextBeforeId === null ? null : String(page.nextBeforeId);
}
