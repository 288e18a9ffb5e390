import type { Context } from "hono";

/**
 * The message a redirect named with `?notice=`, looked up among the page's own messages only
 * (never an inherited property such as `constructor`).
 */
export function noticeOf(c: Context, notices: Readonly<Record<string, string>>): string | undefined {
  const name = c.req.query("notice") ?? "";
  return Object.hasOwn(notices, name) ? notices[name] : undefined;
}
