import { createMiddleware } from "hono/factory";
import { AppError } from "../errors";
import type { AppEnv } from "../http/context";
import { isD1Bookmark } from "../storage/d1-sessions";

/**
 * Read-your-writes for management clients across requests: the D1 bookmark of a request's session
 * is answered in this header, and a client that sends it back gets reads at least that fresh.
 */
export const D1_BOOKMARK_HEADER = "Gatehouse-D1-Bookmark";

function isRead(method: string): boolean {
  return method === "GET" || method === "HEAD";
}

/**
 * For the management surfaces (admin, API keys, business members): a read (GET, HEAD) may be
 * served by the nearest D1 replica, from the client's bookmark when it sends one; a write starts
 * on the primary, as every other path does. Either way the answer carries the session's bookmark
 * once D1 was queried. A value that is not a D1 bookmark is a 400: it would otherwise reach D1,
 * and silently ignoring it would hand the client reads older than it asked for.
 */
export const d1Bookmark = createMiddleware<AppEnv>(async (c, next) => {
  const sent = c.req.header(D1_BOOKMARK_HEADER);
  if (sent !== undefined && !isD1Bookmark(sent)) {
    throw new AppError("invalid_request", {
      publicMessage: `${D1_BOOKMARK_HEADER} must be a bookmark this API returned.`,
      detail: "malformed D1 bookmark",
    });
  }
  const d1 = c.get("d1");
  if (isRead(c.req.method)) d1.session.tolerateReplicaLag(sent);
  await next();
  const bookmark = d1.session.bookmark();
  if (bookmark !== null) c.header(D1_BOOKMARK_HEADER, bookmark);
});
