import type { Context } from "hono";
import { toPageRequest } from "../http/schemas/pagination";
import type { PageRequest } from "../storage/pagination";

const CURSOR = /^[1-9][0-9]{0,15}$/;

/** `?cursor=` as the JSON API reads it; anything else is the first page. */
export function pageOf(c: Context, limit = 50): PageRequest {
  const cursor = c.req.query("cursor");
  return toPageRequest({ limit, cursor: cursor && CURSOR.test(cursor) ? cursor : undefined });
}
